"""Minimal re-implementation of the parts of ggml needed to reproduce
ggml-alloc's compute-buffer sizing (llama.cpp de3ff81 / node-llama-cpp v0.5.0).

Faithful ports (with source references):
  ggml/src/ggml.c        : ggml_new_tensor_impl (view_src root resolution), op shapes,
                           ggml_visit_parents_graph (DFS, left-to-right src order)
  ggml/src/ggml-alloc.c  : ggml_dyn_tallocr_alloc / free_bytes (best fit, last block),
                           ggml_gallocr_allocate_node (in-place reuse), ggml_gallocr_free_node,
                           ggml_gallocr_free_extra_space, ggml_gallocr_alloc_graph_impl
"""

TYPES = {  # name: (type_size, block_size)
    'f32': (4, 1), 'f16': (2, 1), 'i32': (4, 1), 'i64': (8, 1),
    'q8_0': (34, 32), 'q4_0': (18, 32), 'mxfp4': (17, 32),
}

INPLACE_OPS = {'FILL', 'SCALE', 'DIAG_MASK_ZERO', 'DIAG_MASK_INF', 'ADD', 'ADD_ID', 'ADD1', 'SUB',
               'MUL', 'DIV', 'SQR', 'SQRT', 'LOG', 'UNARY', 'ROPE', 'ROPE_BACK', 'SILU_BACK',
               'RMS_NORM', 'RMS_NORM_BACK', 'CLAMP', 'SOFT_MAX', 'SOFT_MAX_BACK'}

F_INPUT, F_OUTPUT = 1, 2


def row_size(t, ne0):
    ts, bs = TYPES[t]
    return ts * ne0 // bs


class Tensor:
    _id = 0

    def __init__(self, typ, ne, op='NONE', src=(), view_src=None, view_offs=0, nb=None, name=''):
        Tensor._id += 1
        self.id = Tensor._id
        self.type = typ
        ne = list(ne) + [1] * (4 - len(ne))
        self.ne = ne
        if nb is None:
            ts, bs = TYPES[typ]
            nb = [ts, ts * (ne[0] // bs)]
            nb.append(nb[1] * ne[1])
            nb.append(nb[2] * ne[2])
        self.nb = list(nb)
        self.op = op
        self.src = list(src)
        # ggml_new_tensor_impl: resolve view_src to the root tensor
        if view_src is not None and view_src.view_src is not None:
            view_offs += view_src.view_offs
            view_src = view_src.view_src
        self.view_src = view_src
        self.view_offs = view_offs
        self.flags = 0
        self.external = False  # has buffer/data (weights, KV cache)
        self.name = name

    def nbytes(self):
        if any(n <= 0 for n in self.ne):   # ggml_nbytes: 0 for empty tensors
            return 0
        ts, bs = TYPES[self.type]
        if bs == 1:
            n = ts
            for i in range(4):
                n += (self.ne[i] - 1) * self.nb[i]
        else:
            n = self.ne[0] * self.nb[0] // bs
            for i in range(1, 4):
                n += (self.ne[i] - 1) * self.nb[i]
        return n

    def is_contiguous(self):
        ts, bs = TYPES[self.type]
        nb = [ts, ts * (self.ne[0] // bs)]
        nb.append(nb[1] * self.ne[1]); nb.append(nb[2] * self.ne[2])
        return all(self.ne[i] == 1 or self.nb[i] == nb[i] for i in range(4))

    def __repr__(self):
        return f"{self.name or self.op}{tuple(self.ne)}"


class Ctx:
    """ggml op constructors (shapes/src order as in ggml/src/ggml.c)."""

    def __init__(self):
        self.all = []

    def _t(self, *a, **k):
        t = Tensor(*a, **k)
        self.all.append(t)
        return t

    # leaves
    def weight(self, typ, ne, name=''):
        t = self._t(typ, ne, name=name)
        t.external = True
        return t

    def new(self, typ, ne, name=''):
        return self._t(typ, ne, name=name)

    def input(self, typ, ne, name=''):
        t = self._t(typ, ne, name=name)
        t.flags |= F_INPUT
        return t

    # views
    def view(self, a, ne, nb, offs, op='VIEW', name=''):
        return self._t(a.type, ne, op=op, src=[a], view_src=a, view_offs=a.view_offs * 0 + offs, nb=nb, name=name)

    def reshape(self, a, ne, name=''):
        t = self._t(a.type, ne, op='RESHAPE', src=[a], view_src=a, view_offs=0, name=name)
        return t

    def view_nd(self, a, ne, nb_rest, offs, name=''):
        ts = TYPES[a.type][0]
        ne = list(ne) + [1] * (4 - len(ne))
        nb = [ts] + list(nb_rest)
        while len(nb) < 4:
            nb.append(nb[-1] * ne[len(nb) - 1])
        return self._t(a.type, ne, op='VIEW', src=[a], view_src=a, view_offs=offs, nb=nb, name=name)

    def permute(self, a, ax0, ax1, ax2, ax3):
        ne = [0] * 4; nb = [0] * 4
        for i, ax in enumerate((ax0, ax1, ax2, ax3)):
            ne[ax] = a.ne[i]; nb[ax] = a.nb[i]
        return self._t(a.type, ne, op='PERMUTE', src=[a], view_src=a, view_offs=0, nb=nb)

    def transpose(self, a):
        return self.permute(a, 1, 0, 2, 3)

    def view_tensor(self, a, op):
        return self._t(a.type, a.ne, op=op, view_src=a, view_offs=0, nb=a.nb)

    # compute ops
    def get_rows(self, a, b):
        typ = 'i32' if a.type == 'i32' else 'f32'
        return self._t(typ, [a.ne[0], b.ne[0], b.ne[1], b.ne[2]], op='GET_ROWS', src=[a, b])

    def rms_norm(self, a):
        return self._t(a.type, a.ne, op='RMS_NORM', src=[a])

    def norm(self, a):
        return self._t(a.type, a.ne, op='NORM', src=[a])

    def mul(self, a, b):
        return self._t(a.type, a.ne, op='MUL', src=[a, b])

    def add(self, a, b):
        return self._t(a.type, a.ne, op='ADD', src=[a, b])

    def scale(self, a):
        return self._t(a.type, a.ne, op='SCALE', src=[a])

    def unary(self, a):
        return self._t(a.type, a.ne, op='UNARY', src=[a])

    def mul_mat(self, a, b):
        return self._t('f32', [a.ne[1], b.ne[1], b.ne[2], b.ne[3]], op='MUL_MAT', src=[a, b])

    def mul_mat_id(self, a, b, ids):
        return self._t('f32', [a.ne[1], ids.ne[0], b.ne[2], 1], op='MUL_MAT_ID', src=[a, b, ids])

    def rope(self, a, pos, factors=None):
        return self._t(a.type, a.ne, op='ROPE', src=[a, pos] + ([factors] if factors is not None else []))

    def set_rows(self, a, b, c):
        t = self._t(a.type, a.ne, op='SET_ROWS', src=[b, c, a], view_src=a, view_offs=0, nb=a.nb)
        return t

    def flash_attn_ext(self, q, k, v, mask, sinks=None):
        return self._t('f32', [v.ne[0], q.ne[2], q.ne[1], q.ne[3]], op='FLASH_ATTN_EXT',
                       src=[q, k, v, mask] + ([sinks] if sinks is not None else []))

    def soft_max_ext(self, a, mask, sinks=None):
        return self._t(a.type, a.ne, op='SOFT_MAX', src=[a, mask] + ([sinks] if sinks is not None else []))

    def op(self, op, typ, ne, src):
        return self._t(typ, ne, op=op, src=src)

    def view_inplace(self, a, op, src):
        # ggml_*_inplace: result = ggml_view_tensor(a), op set, src as given
        return self._t(a.type, a.ne, op=op, src=src, view_src=a, view_offs=0, nb=a.nb)

    def ssm_conv(self, sx, w):
        return self._t('f32', [w.ne[1], sx.ne[0] - w.ne[0] + 1, sx.ne[2]], op='SSM_CONV', src=[sx, w])

    def ssm_scan(self, s, x, dt, A, B, C, ids):
        nel = x.ne[0] * x.ne[1] * x.ne[2] * x.ne[3]
        return self._t('f32', [nel + s.ne[0] * s.ne[1] * s.ne[2] * ids.ne[0]], op='SSM_SCAN',
                       src=[s, x, dt, A, B, C, ids])

    def gated_delta_net(self, q, k, v, gt, beta, state, K=1):
        S_v, H, nt, ns = v.ne[0], v.ne[1], v.ne[2], v.ne[3]
        return self._t('f32', [S_v * H, nt * ns + K * S_v * ns], op='GATED_DELTA_NET',
                       src=[q, k, v, gt, beta, state])

    def concat(self, a, b, dim):
        ne = list(a.ne); ne[dim] = a.ne[dim] + b.ne[dim]
        return self._t(a.type, ne, op='CONCAT', src=[a, b])

    def cont(self, a, ne=None):
        return self._t(a.type, ne if ne is not None else a.ne, op='CONT', src=[a])

    def glu_split(self, a, b):
        return self._t(a.type, a.ne, op='GLU', src=[a, b])

    def cpy(self, a, b):  # ggml_cpy: result is a view of b
        return self._t(b.type, b.ne, op='CPY', src=[a, b], view_src=b, view_offs=0, nb=b.nb)


class Graph:
    """ggml_cgraph with ggml_visit_parents_graph ordering."""

    def __init__(self):
        self.nodes, self.leafs, self.visited = [], [], set()

    def expand(self, t):
        self._visit(t)

    def _visit(self, t):
        if t.id in self.visited:
            return
        self.visited.add(t.id)
        for s in t.src:
            if s is not None:
                self._visit(s)
        if t.op == 'NONE':
            self.leafs.append(t)
        else:
            self.nodes.append(t)


class DynTallocr:
    """ggml_dyn_tallocr with one chunk (CPU max_size = SIZE_MAX)."""
    BIG = 1 << 62

    def __init__(self, alignment=32):
        self.align = alignment
        self.blocks = [[0, self.BIG]]  # [offset, size], sorted by offset
        self.max_size = 0

    def _pad(self, n):
        return (n + self.align - 1) // self.align * self.align

    def alloc(self, size):
        size = self._pad(size)
        best, best_size = -1, None
        for i in range(len(self.blocks) - 1):  # best fit among all blocks but the last
            b = self.blocks[i]
            if b[1] >= size and (best_size is None or b[1] <= best_size):
                best, best_size = i, b[1]
        if best == -1:
            best = len(self.blocks) - 1
        b = self.blocks[best]
        off = b[0]
        b[0] += size
        b[1] -= size
        if b[1] == 0:
            del self.blocks[best]
        self.max_size = max(self.max_size, off + size)
        return off

    def free(self, off, size):
        size = self._pad(size)
        bl = self.blocks
        for i, b in enumerate(bl):
            if b[0] + b[1] == off:
                b[1] += size
                if i < len(bl) - 1 and b[0] + b[1] == bl[i + 1][0]:
                    b[1] += bl[i + 1][1]
                    del bl[i + 1]
                return
            if off + size == b[0]:
                b[0] = off
                b[1] += size
                if i > 0 and bl[i - 1][0] + bl[i - 1][1] == b[0]:
                    bl[i - 1][1] += b[1]
                    del bl[i]
                return
        pos = 0
        while pos < len(bl) and bl[pos][0] < off:
            pos += 1
        bl.insert(pos, [off, size])


class HN:
    __slots__ = ('n_children', 'n_views', 'offset', 'allocated')

    def __init__(self):
        self.n_children = 0; self.n_views = 0; self.offset = 0; self.allocated = False


class Gallocr:
    def __init__(self, alignment=32, trace=False):
        self.alloc = DynTallocr(alignment)
        self.h = {}
        self.trace = trace
        self.events = []
        self.live = {}  # id -> (tensor, offset, size)

    def hn(self, t):
        h = self.h.get(t.id)
        if h is None:
            h = self.h[t.id] = HN()
        return h

    def is_own(self, t):
        return self.hn(t).allocated

    def is_allocated(self, t):
        return t.external or self.is_own(t)

    def _size(self, t):
        return t.nbytes()

    def free_extra_space(self, node, parent):
        p = self.hn(parent)
        ps = self.alloc._pad(self._size(parent))
        ns = self.alloc._pad(self._size(node))
        assert ps >= ns
        if ps > ns:
            self.alloc.free(p.offset + ns, ps - ns)

    def allocate_node(self, node):
        h = self.hn(node)
        if self.is_allocated(node) or node.view_src is not None:
            return
        h.allocated = True
        if node.op in INPLACE_OPS:
            for parent in node.src:
                if parent is None:
                    continue
                if not self.is_own(parent):
                    continue
                if parent.flags & F_OUTPUT or (parent.view_src is not None and parent.view_src.flags & F_OUTPUT):
                    continue
                if parent.type != node.type or parent.ne != node.ne or parent.nb != node.nb:
                    continue
                p = self.hn(parent)
                if p.n_children == 1 and p.n_views == 0:
                    if parent.view_src is not None:
                        vs = parent.view_src
                        vh = self.hn(vs)
                        # in reserve all data pointers are NULL -> view_src->data == parent->data holds
                        if vh.n_views == 1 and vh.n_children == 0:
                            h.offset = p.offset
                            p.allocated = False
                            vh.allocated = False
                            self.free_extra_space(node, vs)
                            self._ev('inplace', node, vs)
                            return
                    else:
                        h.offset = p.offset
                        p.allocated = False
                        self.free_extra_space(node, parent)
                        self._ev('inplace', node, parent)
                        return
        h.offset = self.alloc.alloc(self._size(node))
        self._ev('alloc', node)

    def _ev(self, kind, t, parent=None):
        if not self.trace:
            return
        h = self.hn(t)
        if kind == 'alloc':
            self.live[t.id] = (t, h.offset, self.alloc._pad(self._size(t)))
        elif kind == 'inplace':
            ph = self.hn(parent)
            self.live.pop(parent.id, None)
            self.live[t.id] = (t, h.offset, self.alloc._pad(self._size(t)))
        elif kind == 'free':
            self.live.pop(t.id, None)
        self.events.append((kind, t, h.offset, self.alloc.max_size, dict(self.live) if kind != 'free' else None))

    def free_node(self, node):
        if node.flags & F_OUTPUT:
            return
        h = self.hn(node)
        self.alloc.free(h.offset, self._size(node))
        h.allocated = False
        self._ev('free', node)

    def alloc_graph(self, g):
        for leaf in g.leafs:
            self.allocate_node(leaf)
        for node in g.nodes:
            if node.view_src is not None and node.op != 'NONE':
                self.hn(node.view_src).n_views += 1
            if node.flags & F_INPUT:
                self.allocate_node(node)
            for s in node.src:
                if s is None:
                    continue
                self.hn(s).n_children += 1
                if s.flags & F_INPUT:
                    self.allocate_node(s)
        for node in g.nodes:
            for p in node.src:
                if p is not None:
                    self.allocate_node(p)
            self.allocate_node(node)
            for p in node.src:
                if p is None:
                    continue
                ph = self.hn(p)
                ph.n_children -= 1
                if ph.n_children == 0 and ph.n_views == 0:
                    if p.view_src is not None:
                        vs = p.view_src
                        vh = self.hn(vs)
                        vh.n_views -= 1
                        if vh.n_views == 0 and vh.n_children == 0 and vh.allocated:
                            self.free_node(vs)
                    elif ph.allocated:
                        self.free_node(p)
        return self.alloc.max_size


def reserve(g, alignment=32, trace=False):
    ga = Gallocr(alignment, trace)
    size = ga.alloc_graph(g)
    return size, ga
