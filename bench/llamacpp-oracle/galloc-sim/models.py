"""Graph builders mirroring llama.cpp de3ff81 src/models/*.cpp + src/llama-graph.cpp
for the reserve graph (llama_context::graph_reserve -> model.build_graph)."""
from ggml_sim import Ctx, Graph, F_INPUT, F_OUTPUT, row_size


class P:
    def __init__(self, **kw):
        # model
        self.arch = 'llama'
        self.n_layer = 2; self.d = 256; self.n_head = 4; self.n_head_kv = 2; self.hd = 64
        self.n_ff = 512; self.n_vocab = 512; self.rope_freqs = False
        self.qk_norm = False; self.qkv_bias = False
        self.n_expert = 0; self.n_expert_used = 0; self.n_ff_exp = 0
        self.wtype = 'q8_0'
        # context
        self.n_ctx_seq = 512; self.n_seq = 1; self.n_ubatch = 512; self.fa = True; self.kv = 'f16'
        self.n_outputs = None
        self.__dict__.update(kw)


class Builder:
    def __init__(self, p, n_tokens, n_seqs, n_outputs):
        self.p = p
        self.c = Ctx()
        self.g = Graph()
        self.T = n_tokens
        self.n_seqs = n_seqs
        self.n_outputs = n_outputs
        self.n_stream = p.n_seq  # kv_unified = false -> one stream per sequence
        self.n_kv = p.n_ctx_seq   # llama_kv_cache_context(kv): n_kv = kv->get_size() (init_full)
        self.kv_size = p.n_ctx_seq
        c = self.c
        L = p.n_layer
        ek = p.hd * p.n_head_kv
        self.k_cache = [c.weight(p.kv, [ek, self.kv_size, self.n_stream], f'cache_k_l{il}') for il in range(L)]
        if p.fa:
            self.v_cache = [c.weight(p.kv, [ek, self.kv_size, self.n_stream], f'cache_v_l{il}') for il in range(L)]
        else:
            self.v_cache = [c.weight(p.kv, [ek, self.kv_size, self.n_stream], f'cache_v_l{il}') for il in range(L)]
        self.quant_kv = p.kv not in ('f16', 'f32', 'bf16')

    # ---- llama-graph.cpp helpers ----
    def build_inp_embd(self):
        # llm_graph_context::build_inp_embd
        p, c, T = self.p, self.c, self.T
        self.tok_embd = c.weight(p.wtype, [p.d, p.n_vocab], 'token_embd')
        tokens = c.input('i32', [T], 'inp_tokens')
        embd = c.input('f32', [p.d, T], 'inp_embd')
        gr = c.get_rows(self.tok_embd, tokens)
        gr.name = 'get_rows_embd'
        # ggml_build_forward_select(gf, {gr, embd}, 2, 0): both are added to the graph
        self.g.expand(gr)
        self.g.expand(embd)
        return gr

    def build_norm(self, x, w):
        return self.c.mul(self.c.rms_norm(x), w)

    def mm(self, w, x):
        return self.c.mul_mat(w, x)

    def hadamard(self, cur, rot):
        # src/llama-impl.h llama_mul_mat_hadamard
        c = self.c
        n = rot.ne[0]
        nel = cur.ne[0] * cur.ne[1] * cur.ne[2] * cur.ne[3]
        if not cur.is_contiguous():
            res = c.cont(cur, [n, nel // n, 1, 1])
        else:
            res = c.reshape(cur, [n, nel // n])
        res = c.mul_mat(rot, res)
        return c.reshape(res, cur.ne)

    def build_attn(self, il, wo, q_cur, k_cur, v_cur, wo_b=None):
        # llm_graph_context::build_attn (llm_graph_input_attn_kv overload)
        p, c, g = self.p, self.c, self.g
        if self.k_rot is not None:
            q_cur = self.hadamard(q_cur, self.k_rot)
            k_cur = self.hadamard(k_cur, self.k_rot)
        if self.v_rot is not None:
            v_cur = self.hadamard(v_cur, self.v_rot)
        g.expand(q_cur); g.expand(v_cur); g.expand(k_cur)
        # cpy_k
        ek = p.hd * p.n_head_kv
        kview = c.view_nd(k_cur, [ek, k_cur.ne[2]], [k_cur.nb[2]], 0)
        kc = self.k_cache[il]
        if self.n_stream > 1:
            kc = c.reshape(kc, [ek, self.kv_size * self.n_stream])
        g.expand(c.set_rows(kc, kview, self.k_idxs))
        # cpy_v
        vc = self.v_cache[il]
        if p.fa:
            vview = c.view_nd(v_cur, [ek, v_cur.ne[2]], [v_cur.nb[2]], 0)
            if self.n_stream > 1:
                vc = c.reshape(vc, [ek, self.kv_size * self.n_stream])
            g.expand(c.set_rows(vc, vview, self.v_idxs))
        else:
            if row_size(v_cur.type, ek) == v_cur.nb[2]:
                vv = c.reshape(v_cur, [ek, v_cur.ne[2]])
            else:
                vv = c.cont(v_cur, [ek, v_cur.ne[2], 1, 1])
            v_view = c.reshape(vc, [1, vc.ne[0] * vc.ne[1] * vc.ne[2]])
            vv = c.reshape(vv, [1, vv.ne[0] * vv.ne[1]])
            g.expand(c.set_rows(v_view, vv, self.v_idxs))
        # get_k / get_v (views of the cache)
        ns = self.n_stream
        kcache = self.k_cache[il]
        k = c.view_nd(kcache, [p.hd, p.n_head_kv, self.n_kv, ns],
                      [row_size(p.kv, p.hd), row_size(p.kv, ek), row_size(p.kv, ek * self.kv_size)], 0)
        vcache = self.v_cache[il]
        if p.fa:
            v = c.view_nd(vcache, [p.hd, p.n_head_kv, self.n_kv, ns],
                          [row_size(p.kv, p.hd), row_size(p.kv, ek), row_size(p.kv, ek * self.kv_size)], 0)
        else:
            v = c.view_nd(vcache, [self.n_kv, p.n_head_kv, p.hd, ns],
                          [row_size(p.kv, self.kv_size * p.hd), row_size(p.kv, self.kv_size),
                           row_size(p.kv, self.kv_size * ek)], 0)
        cur = self.build_attn_mha(q_cur, k, v, self.kq_mask)
        if self.v_rot is not None:
            cur = self.hadamard(cur, self.v_rot)
        cur = self.mm(wo, cur)
        if wo_b is not None:
            cur = c.add(cur, wo_b)
        return cur

    def build_attn_mha(self, q, k, v, mask):
        p, c, g = self.p, self.c, self.g
        v_trans = v.nb[1] > v.nb[2]
        n_stream = k.ne[3]
        q = c.view_nd(q, [q.ne[0], q.ne[1], q.ne[2] // n_stream, n_stream], [q.nb[1], q.nb[2], q.nb[3] // n_stream], 0)
        q = c.permute(q, 0, 2, 1, 3)
        k = c.permute(k, 0, 2, 1, 3)
        v = c.permute(v, 0, 2, 1, 3)
        if p.fa:
            if v_trans:
                v = c.transpose(v)
            cur = c.flash_attn_ext(q, k, v, mask); cur.name = f'fattn-{self.il}'
            cur = c.reshape(cur, [cur.ne[0] * cur.ne[1], cur.ne[2] * cur.ne[3]])
        else:
            kq = c.mul_mat(k, q); kq.name = f'kq-{self.il}'
            kq = c.soft_max_ext(kq, mask)
            if not v_trans:
                v = c.cont(c.transpose(v))
            kqv = c.mul_mat(v, kq)
            cur = c.permute(kqv, 0, 2, 1, 3)
            cur = c.cont(cur, [cur.ne[0] * cur.ne[1], cur.ne[2] * cur.ne[3], 1, 1])
        g.expand(cur)
        return cur

    def build_attn_inp_kv(self):
        p, c, T = self.p, self.c, self.T
        ek = p.hd * p.n_head_kv
        self.k_idxs = c.input('i64', [T], 'k_idxs')
        self.v_idxs = c.input('i64', [T] if p.fa else [T * ek], 'v_idxs')
        n_stream = self.n_seqs  # ubatch.n_seqs_unq (kv_unified = false)
        self.kq_mask = c.input('f16' if p.fa else 'f32', [self.n_kv, T // n_stream, 1, n_stream], 'kq_mask')
        self.k_rot = None; self.v_rot = None
        if self.quant_kv and p.hd % 64 == 0:
            nrot = 64
            while True:
                nrot *= 2
                if p.hd % nrot != 0:
                    break
            nrot //= 2
            self.k_rot = c.input('f32', [nrot, nrot], 'k_rot')
            self.v_rot = c.input('f32', [64, 64], 'v_rot')

    def build_ffn(self, cur, up, gate, down):
        c = self.c
        tmp = self.mm(up, cur); tmp.name = f'ffn_up-{self.il}'
        g = self.mm(gate, cur); g.name = f'ffn_gate-{self.il}'
        cur = c.glu_split(g, tmp); cur.name = f'ffn_swiglu-{self.il}'
        return self.mm(down, cur)

    def build_moe_ffn(self, cur, il, gating='softmax', probs_b=False, norm_w=True, w_scale=0.0,
                      weight_before_ffn=False, n_ff_exp=None, E=None, K=None):
        # llm_graph_context::build_moe_ffn (separate gate/up exps, no biases, no lora)
        p, c, g = self.p, self.c, self.g
        T = cur.ne[1]; E = E or p.n_expert; K = K or p.n_expert_used; d = cur.ne[0]
        n_ff_exp = n_ff_exp or p.n_ff_exp
        logits = self.mm(c.weight('f32', [d, E], f'ffn_gate_inp.{il}'), cur)   # [E, T]
        logits.name = f'ffn_moe_logits-{il}'
        if gating == 'softmax':
            probs = c._t('f32', logits.ne, op='SOFT_MAX', src=[logits])       # ggml_soft_max: in place on logits
        elif gating == 'sigmoid':
            probs = c.unary(logits)                                            # ggml_sigmoid: UNARY, in place
        else:
            raise ValueError(gating)
        probs.name = f'ffn_moe_probs-{il}'
        sel_probs = probs
        if probs_b:
            sel_probs = c.add(probs, c.weight('f32', [E], f'exp_probs_b.{il}'))
        if weight_before_ffn:  # llama4
            sel_probs = logits
        argsort = c._t('i32', sel_probs.ne, op='ARGSORT', src=[sel_probs])      # ggml_argsort_top_k
        argsort.name = f'ffn_moe_argsort-{il}'
        sel = c.view_nd(argsort, [K, argsort.ne[1], argsort.ne[2], argsort.ne[3]],
                        [argsort.nb[1], argsort.nb[2], argsort.nb[3]], 0)
        probs3 = c.reshape(probs, [1, E, T])
        weights = c.get_rows(probs3, sel)                                         # [1, K, T]
        weights.name = f'ffn_moe_weights-{il}'
        if norm_w:
            weights = c.reshape(weights, [K, T])
            wsum = c._t('f32', [1, T], op='SUM_ROWS', src=[weights])
            wsum = c._t('f32', wsum.ne, op='CLAMP', src=[wsum])                  # ggml_clamp (view? no: inplace=false)
            weights = c._t('f32', weights.ne, op='DIV', src=[weights, wsum])
            weights = c.reshape(weights, [1, K, T])
        if w_scale != 0.0 and w_scale != 1.0:
            weights = c.scale(weights)
        g.expand(weights)
        cur = c.reshape(cur, [d, 1, T])
        if weight_before_ffn:
            rep = c._t('f32', [d, K, T], op='REPEAT', src=[cur])
            cur = c.mul(rep, weights)
        W3 = lambda ne: c.weight(p.wtype, ne)
        up = c.mul_mat_id(W3([d, n_ff_exp, E]), cur, sel)                       # [ff, K, T]
        gate = c.mul_mat_id(W3([d, n_ff_exp, E]), cur, sel)
        up.name = f'ffn_moe_up-{il}'; gate.name = f'ffn_moe_gate-{il}'
        cur = c.glu_split(gate, up); cur.name = f'ffn_moe_swiglu-{il}'
        experts = c.mul_mat_id(W3([n_ff_exp, d, E]), cur, sel)                  # [d, K, T]
        experts.name = f'ffn_moe_down-{il}'
        if not weight_before_ffn:
            experts = c.mul(experts, weights)
        g.expand(experts)
        views = []
        for i in range(K):
            v = c.view_nd(experts, [d, T], [experts.nb[2]], i * experts.nb[1])
            g.expand(v)
            views.append(v)
        moe = views[0]
        for i in range(1, K):
            moe = c.add(moe, views[i])
            g.expand(moe)
        if K == 1:
            moe = c.cont(moe)
        return moe

    def finish(self, cur):
        p, c = self.p, self.c
        out_norm = c.weight('f32', [p.d], 'output_norm')
        cur = self.build_norm(cur, out_norm)
        t_embd = cur
        out = c.weight(p.wtype, [p.d, p.n_vocab], 'output')
        cur = self.mm(out, cur)
        self.g.expand(cur)
        # llm_graph_result::set_outputs
        cur.flags |= F_OUTPUT
        t_embd.flags |= F_OUTPUT
        cur.name = 'result_output'; t_embd.name = 'result_norm'
        return self.g

    # ---- llm_build_llama / qwen2 / qwen3 ----
    def build(self):
        p, c = self.p, self.c
        W = lambda ne, n='': c.weight(p.wtype, ne, n)
        Wf = lambda ne, n='': c.weight('f32', ne, n)
        inpL = self.build_inp_embd()
        inp_pos = c.input('i32', [self.T * getattr(p, 'n_pos_per_embd', 1)], 'inp_pos')
        self.build_attn_inp_kv()
        out_ids = c.input('i32', [self.n_outputs], 'inp_out_ids')
        for il in range(p.n_layer):
            self.il = il
            inpSA = inpL
            cur = self.build_norm(inpL, Wf([p.d], f'attn_norm.{il}'))
            cur.name = f'attn_norm-{il}'
            rf = Wf([p.hd // 2], 'rope_freqs') if p.rope_freqs else None
            wq = W([p.d, p.hd * p.n_head]); wk = W([p.d, p.hd * p.n_head_kv]); wv = W([p.d, p.hd * p.n_head_kv])
            Q = self.mm(wq, cur)
            if p.qkv_bias:
                Q = c.add(Q, Wf([p.hd * p.n_head]))
            K = self.mm(wk, cur)
            if p.qkv_bias:
                K = c.add(K, Wf([p.hd * p.n_head_kv]))
            V = self.mm(wv, cur)
            if p.qkv_bias:
                V = c.add(V, Wf([p.hd * p.n_head_kv]))
            Q = c.reshape(Q, [p.hd, p.n_head, self.T])
            K = c.reshape(K, [p.hd, p.n_head_kv, self.T])
            V = c.reshape(V, [p.hd, p.n_head_kv, self.T])
            if p.arch == 'qwen3':
                Q = c.mul(c.rms_norm(Q), Wf([p.hd]))
                Q.name = f'Qcur_normed-{il}'
            Q = c.rope(Q, inp_pos, rf)
            if p.arch == 'qwen3':
                K = c.mul(c.rms_norm(K), Wf([p.hd]))
            K = c.rope(K, inp_pos, rf)
            Q.name = f'Qcur-{il}'; K.name = f'Kcur-{il}'; V.name = f'Vcur-{il}'
            cur = self.build_attn(il, W([p.hd * p.n_head, p.d]), Q, K, V)
            cur.name = f'attn_out-{il}'
            if il == p.n_layer - 1:
                cur = c.get_rows(cur, out_ids)
                inpSA = c.get_rows(inpSA, out_ids)
            ffn_inp = c.add(cur, inpSA)
            ffn_inp.name = f'ffn_inp-{il}'
            cur = self.build_norm(ffn_inp, Wf([p.d]))
            cur.name = f'ffn_norm-{il}'
            if p.n_expert == 0:
                cur = self.build_ffn(cur, W([p.d, p.n_ff]), W([p.d, p.n_ff]), W([p.n_ff, p.d]))
            else:
                cur = self.build_moe_ffn(cur, il)
            cur.name = f'ffn_out-{il}'
            cur = c.add(cur, ffn_inp)
            cur.name = f'l_out-{il}'
            inpL = cur
        return self.finish(inpL)


def build_graph(p, n_tokens, n_seqs, n_outputs):
    b = Builder(p, n_tokens, n_seqs, n_outputs)
    return b.build()
