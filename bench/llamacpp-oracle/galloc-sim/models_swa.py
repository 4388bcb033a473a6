"""Graph builders for SWA / other architectures, mirroring llama.cpp de3ff81
src/models/{gemma3,openai-moe,gemma2,phi3,command-r}.cpp + src/llama-graph.cpp for the reserve graph."""
from ggml_sim import Ctx, Graph, F_INPUT, F_OUTPUT, row_size
from models import P, Builder
import os
ABL = set(os.environ.get("ABLATE", "").split(","))


def nrot_k(hd):
    # llama-kv-cache.cpp:build_input_k_rot
    nrot = 64
    while True:
        nrot *= 2
        if hd % nrot != 0:
            break
    return nrot // 2


class KV:
    """one llama_kv_cache (base or SWA) as seen by the reserve graph (init_full: n_kv = size)."""

    def __init__(self, b, size, layers, tag):
        p, c = b.p, b.c
        self.size = size
        self.n_kv = size
        self.tag = tag
        ek = p.hd * p.n_head_kv
        self.k = {il: c.weight(p.kv, [ek, size, b.n_stream], f'cache_k{tag}_l{il}') for il in layers}
        self.v = {il: c.weight(p.kv, [ek, size, b.n_stream], f'cache_v{tag}_l{il}') for il in layers}
        T = b.T
        # llama-kv-cache.cpp build_input_k_idxs / build_input_v_idxs, llama-graph.cpp build_attn_inp_kq_mask
        self.k_idxs = c.input('i64', [T], f'k_idxs{tag}')
        self.v_idxs = c.input('i64', [T] if p.fa else [T * ek], f'v_idxs{tag}')
        ns = b.n_seqs
        self.kq_mask = c.input('f16' if p.fa else 'f32', [size, T // ns, 1, ns], f'kq_mask{tag}')
        quant = p.kv not in ('f16', 'f32', 'bf16')
        self.k_rot = self.v_rot = None
        if quant and p.hd % 64 == 0 and 'norot' not in ABL:
            n = nrot_k(p.hd)
            self.k_rot = c.input('f32', [n, n], f'k_rot{tag}')
            self.v_rot = c.input('f32', [64, 64], f'v_rot{tag}')


class Builder2(Builder):
    def __init__(self, p, n_tokens, n_seqs, n_outputs):
        # do not call Builder.__init__ (it creates the single cache)
        self.p = p
        self.c = Ctx()
        self.g = Graph()
        self.T = n_tokens
        self.n_seqs = n_seqs
        self.n_outputs = n_outputs
        self.n_stream = p.n_seq
        L = p.n_layer
        self.is_swa = [bool(p.swa_pattern) and p.swa_pattern[il % len(p.swa_pattern)] for il in range(L)]
        self.iswa = any(self.is_swa)

    def build_attn_inp(self):
        p = self.p
        L = p.n_layer
        if self.iswa:
            # build_attn_inp_kv_iswa: base then swa inputs
            self.kv_base = KV(self, p.n_ctx_seq, [il for il in range(L) if not self.is_swa[il]], '')
            self.kv_swa = KV(self, p.n_ctx_seq if 'swafull' in ABL else p.n_kv_swa, [il for il in range(L) if self.is_swa[il]], '_swa')
        else:
            self.kv_base = KV(self, p.n_ctx_seq, list(range(L)), '')
            self.kv_swa = None

    def W(self, ne, n=''):
        return self.c.weight(self.p.wtype, ne, n)

    def Wf(self, ne, n=''):
        return self.c.weight('f32', ne, n)

    def build_attn2(self, il, wo, q_cur, k_cur, v_cur, wo_b=None, sinks=None):
        p, c, g = self.p, self.c, self.g
        kv = self.kv_swa if (self.iswa and self.is_swa[il]) else self.kv_base
        if kv.k_rot is not None:
            q_cur = self.hadamard(q_cur, kv.k_rot)
            k_cur = self.hadamard(k_cur, kv.k_rot)
        if kv.v_rot is not None:
            v_cur = self.hadamard(v_cur, kv.v_rot)
        if self.iswa and 'qvk' not in ABL:
            # build_attn(llm_graph_input_attn_kv_iswa*): q, k, v
            g.expand(q_cur); g.expand(k_cur); g.expand(v_cur)
        else:
            # build_attn(llm_graph_input_attn_kv*): q, v, k
            g.expand(q_cur); g.expand(v_cur); g.expand(k_cur)
        ek = p.hd * p.n_head_kv
        ns = self.n_stream
        # cpy_k
        kview = c.view_nd(k_cur, [ek, k_cur.ne[2]], [k_cur.nb[2]], 0)
        kc = kv.k[il]
        if ns > 1:
            kc = c.reshape(kc, [ek, kv.size * ns])
        g.expand(c.set_rows(kc, kview, kv.k_idxs))
        # cpy_v
        vc = kv.v[il]
        if p.fa:
            vview = c.view_nd(v_cur, [ek, v_cur.ne[2]], [v_cur.nb[2]], 0)
            if ns > 1:
                vc = c.reshape(vc, [ek, kv.size * ns])
            g.expand(c.set_rows(vc, vview, kv.v_idxs))
        else:
            if row_size(v_cur.type, ek) == v_cur.nb[2]:
                vv = c.reshape(v_cur, [ek, v_cur.ne[2]])
            else:
                vv = c.cont(v_cur, [ek, v_cur.ne[2], 1, 1])
            v_view = c.reshape(vc, [1, vc.ne[0] * vc.ne[1] * vc.ne[2]])
            vv = c.reshape(vv, [1, vv.ne[0] * vv.ne[1]])
            g.expand(c.set_rows(v_view, vv, kv.v_idxs))
        kcache = kv.k[il]
        k = c.view_nd(kcache, [p.hd, p.n_head_kv, kv.n_kv, ns],
                      [row_size(p.kv, p.hd), row_size(p.kv, ek), row_size(p.kv, ek * kv.size)], 0)
        vcache = kv.v[il]
        if p.fa:
            v = c.view_nd(vcache, [p.hd, p.n_head_kv, kv.n_kv, ns],
                          [row_size(p.kv, p.hd), row_size(p.kv, ek), row_size(p.kv, ek * kv.size)], 0)
        else:
            v = c.view_nd(vcache, [kv.n_kv, p.n_head_kv, p.hd, ns],
                          [row_size(p.kv, kv.size * p.hd), row_size(p.kv, kv.size),
                           row_size(p.kv, kv.size * ek)], 0)
        cur = self.build_attn_mha2(q_cur, k, v, kv.kq_mask, sinks)
        if kv.v_rot is not None:
            cur = self.hadamard(cur, kv.v_rot)
        cur = self.mm(wo, cur)
        if wo_b is not None:
            cur = c.add(cur, wo_b)
        return cur

    def build_attn_mha2(self, q, k, v, mask, sinks):
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
            cur = c.flash_attn_ext(q, k, v, mask, sinks); cur.name = f'fattn-{self.il}'
            cur = c.reshape(cur, [cur.ne[0] * cur.ne[1], cur.ne[2] * cur.ne[3]])
        else:
            kq = c.mul_mat(k, q); kq.name = f'kq-{self.il}'
            if p.attn_softcap:
                kq = c.scale(kq); kq = c.unary(kq); kq = c.scale(kq)
            kq = c.soft_max_ext(kq, mask, sinks)
            if not v_trans:
                v = c.cont(c.transpose(v))
            kqv = c.mul_mat(v, kq)
            cur = c.permute(kqv, 0, 2, 1, 3)
            cur = c.cont(cur, [cur.ne[0] * cur.ne[1], cur.ne[2] * cur.ne[3], 1, 1])
        g.expand(cur)
        return cur

    def norm_rms(self, x, n=''):
        return self.c.mul(self.c.rms_norm(x), self.Wf([x.ne[0]], n))

    def norm_ln(self, x, n=''):
        # build_norm LLM_NORM with weight only (no bias)
        if 'crrms' in ABL:
            return self.c.mul(self.c.rms_norm(x), self.Wf([x.ne[0]], n))
        return self.c.mul(self.c.norm(x), self.Wf([x.ne[0]], n))

    def qkv_separate(self, cur, bias=False):
        p, c = self.p, self.c
        nq, nk = p.hd * p.n_head, p.hd * p.n_head_kv
        Q = self.mm(self.W([p.d, nq]), cur)
        if bias:
            Q = c.add(Q, self.Wf([nq]))
        K = self.mm(self.W([p.d, nk]), cur)
        if bias:
            K = c.add(K, self.Wf([nk]))
        V = self.mm(self.W([p.d, nk]), cur)
        if bias:
            V = c.add(V, self.Wf([nk]))
        Q = c.reshape(Q, [p.hd, p.n_head, self.T])
        K = c.reshape(K, [p.hd, p.n_head_kv, self.T])
        V = c.reshape(V, [p.hd, p.n_head_kv, self.T])
        return Q, K, V

    def qkv_fused(self, cur):
        # build_qkv fused path: Q/K/V are ggml_view_3d of one mul_mat output
        p, c = self.p, self.c
        nq, nk = p.hd * p.n_head, p.hd * p.n_head_kv
        qkv = self.mm(self.W([p.d, nq + 2 * nk]), cur)
        rs = row_size(qkv.type, p.hd)
        Q = c.view_nd(qkv, [p.hd, p.n_head, self.T], [rs, qkv.nb[1]], 0)
        K = c.view_nd(qkv, [p.hd, p.n_head_kv, self.T], [rs, qkv.nb[1]], row_size(qkv.type, nq))
        V = c.view_nd(qkv, [p.hd, p.n_head_kv, self.T], [rs, qkv.nb[1]], row_size(qkv.type, nq + nk))
        return Q, K, V

    def finish2(self, cur, norm='rms', post=None):
        p, c = self.p, self.c
        cur = self.norm_rms(cur, 'output_norm') if norm == 'rms' else self.norm_ln(cur, 'output_norm')
        t_embd = cur
        logits = self.mm(self.W([p.d, p.n_vocab], 'output'), cur)
        logits.name = 'result_output_mm'
        if post == 'softcap':
            logits = c.scale(logits); logits = c.unary(logits); logits = c.scale(logits)
        self.g.expand(logits)
        logits.flags |= F_OUTPUT
        t_embd.flags |= F_OUTPUT
        logits.name = 'result_output'; t_embd.name = 'result_norm'
        return self.g

    def prologue(self):
        c = self.c
        inpL = self.build_inp_embd()
        inp_pos = c.input('i32', [self.T], 'inp_pos')
        self.build_attn_inp()
        out_ids = c.input('i32', [self.n_outputs], 'inp_out_ids')
        return inpL, inp_pos, out_ids

    # ---- gemma2 / gemma3 ----
    def build_gemma(self):
        p, c = self.p, self.c
        inpL = self.build_inp_embd()
        if 'noscale' not in ABL:
            inpL = c.scale(inpL); inpL.name = 'inp_scaled'
        inp_pos = c.input('i32', [self.T], 'inp_pos')
        self.build_attn_inp()
        out_ids = c.input('i32', [self.n_outputs], 'inp_out_ids')
        for il in range(p.n_layer):
            self.il = il
            cur = self.norm_rms(inpL); cur.name = f'attn_norm-{il}'
            Q, K, V = self.qkv_separate(cur)
            if p.arch == 'gemma3':
                Q = self.norm_rms(Q)
            Q = c.rope(Q, inp_pos)
            if p.arch == 'gemma3':
                K = self.norm_rms(K)
            K = c.rope(K, inp_pos)
            Q = c.scale(Q)
            Q.name = f'Qcur-{il}'; K.name = f'Kcur-{il}'; V.name = f'Vcur-{il}'
            cur = self.build_attn2(il, self.W([p.hd * p.n_head, p.d]), Q, K, V)
            cur.name = f'attn_out-{il}'
            if il == p.n_layer - 1:
                cur = c.get_rows(cur, out_ids)
                inpL = c.get_rows(inpL, out_ids)
            cur = self.norm_rms(cur); cur.name = f'attn_post_norm-{il}'
            sa_out = c.add(cur, inpL); sa_out.name = f'sa_out-{il}'
            cur = self.norm_rms(sa_out); cur.name = f'ffn_norm-{il}'
            cur = self.build_ffn(cur, self.W([p.d, p.n_ff]), self.W([p.d, p.n_ff]), self.W([p.n_ff, p.d]))
            cur.name = f'ffn_out-{il}'
            cur = self.norm_rms(cur); cur.name = f'ffn_post_norm-{il}'
            cur = c.add(cur, sa_out); cur.name = f'l_out-{il}'
            inpL = cur
        return self.finish2(inpL, post='softcap' if p.final_softcap else None)

    # ---- gpt-oss (LLM_ARCH_OPENAI_MOE) ----
    def build_gpt_oss(self):
        p, c = self.p, self.c
        inpL, inp_pos, out_ids = self.prologue()
        for il in range(p.n_layer):
            self.il = il
            inpSA = inpL
            cur = self.norm_rms(inpL); cur.name = f'attn_norm-{il}'
            Q, K, V = self.qkv_separate(cur, bias=True)
            Q = c.rope(Q, inp_pos)
            K = c.rope(K, inp_pos)
            Q.name = f'Qcur-{il}'; K.name = f'Kcur-{il}'; V.name = f'Vcur-{il}'
            cur = self.build_attn2(il, self.W([p.hd * p.n_head, p.d]), Q, K, V,
                                   wo_b=self.Wf([p.d]), sinks=self.Wf([p.n_head], 'sinks'))
            cur.name = f'attn_out-{il}'
            ffn_inp = c.add(cur, inpSA); ffn_inp.name = f'ffn_inp-{il}'
            cur = self.norm_rms(ffn_inp); cur.name = f'attn_post_norm-{il}'
            cur = self.build_moe_ffn_oai(cur, il)
            cur.name = f'ffn_moe_out-{il}'
            cur = c.add(cur, ffn_inp); cur.name = f'l_out-{il}'
            inpL = cur
        # t_h_nextn = inpL is an output (llm_graph_result::set_outputs)
        if 'nextn' not in ABL:
            inpL.flags |= F_OUTPUT
        cur = c.get_rows(inpL, out_ids)
        return self.finish2(cur)

    def build_moe_ffn_oai(self, cur, il):
        # build_moe_ffn with gate_inp_b, up/gate/down biases (ggml_add_id), SOFTMAX_WEIGHT gating,
        # LLM_FFN_SWIGLU_OAI_MOE, norm_w = false, w_scale = 0
        p, c, g = self.p, self.c, self.g
        T = cur.ne[1]; E = p.n_expert; K = p.n_expert_used
        logits = self.mm(c.weight('f32', [p.d, E]), cur)                         # [E, T]
        if 'nogateb' not in ABL:
            logits = c.add(logits, self.Wf([E]))                                   # in place
        probs = logits
        argsort = c._t('i32', probs.ne, op='ARGSORT', src=[probs])
        sel = c.view_nd(argsort, [K, argsort.ne[1], argsort.ne[2], argsort.ne[3]],
                        [argsort.nb[1], argsort.nb[2], argsort.nb[3]], 0)
        probs3 = c.reshape(probs, [1, E, T])
        weights = c.get_rows(probs3, sel)                                          # [1, K, T]
        weights = c.reshape(weights, [K, T])
        if 'nowsm' not in ABL:
            weights = c._t('f32', weights.ne, op='SOFT_MAX', src=[weights])       # parent is a view: new tensor
        weights = c.reshape(weights, [1, K, T])
        g.expand(weights)
        cur = c.reshape(cur, [p.d, 1, T])
        We = lambda ne: c.weight(p.etype, ne)
        up = c.mul_mat_id(We([p.d, p.n_ff_exp, E]), cur, sel)
        up.name = f'ffn_moe_up-{il}'
        up = c._t('f32', up.ne, op='ADD_ID', src=[up, self.Wf([p.n_ff_exp, E]), sel])
        gate = c.mul_mat_id(We([p.d, p.n_ff_exp, E]), cur, sel)
        gate.name = f'ffn_moe_gate-{il}'
        gate = c._t('f32', gate.ne, op='ADD_ID', src=[gate, self.Wf([p.n_ff_exp, E]), sel])
        cur = c.glu_split(gate, up); cur.name = f'ffn_moe_swiglu_oai-{il}'
        experts = c.mul_mat_id(We([p.n_ff_exp, p.d, E]), cur, sel)
        experts.name = f'ffn_moe_down-{il}'
        experts = c._t('f32', experts.ne, op='ADD_ID', src=[experts, self.Wf([p.d, E]), sel])
        experts = c.mul(experts, weights)
        g.expand(experts)
        views = []
        for i in range(K):
            v = c.view_nd(experts, [p.d, T], [experts.nb[2]], i * experts.nb[1])
            g.expand(v)
            views.append(v)
        moe = views[0]
        for i in range(1, K):
            moe = c.add(moe, views[i])
            g.expand(moe)
        if K == 1:
            moe = c.cont(moe)
        return moe

    # ---- phi3 ----
    def build_phi3(self):
        p, c = self.p, self.c
        inpL, inp_pos, out_ids = self.prologue()
        for il in range(p.n_layer):
            self.il = il
            residual = inpL
            cur = self.norm_rms(inpL); cur.name = f'attn_norm-{il}'
            Q, K, V = self.qkv_separate(cur) if 'phisep' in ABL else self.qkv_fused(cur)
            Q = c.rope(Q, inp_pos)
            K = c.rope(K, inp_pos)
            Q = c.scale(Q)
            Q.name = f'Qcur-{il}'; K.name = f'Kcur-{il}'; V.name = f'Vcur-{il}'
            cur = self.build_attn2(il, self.W([p.hd * p.n_head, p.d]), Q, K, V)
            cur.name = f'attn_out-{il}'
            if il == p.n_layer - 1:
                cur = c.get_rows(cur, out_ids)
                residual = c.get_rows(residual, out_ids)
            cur = c.add(cur, residual); cur.name = f'ffn_inp-{il}'
            residual = cur
            cur = self.norm_rms(cur); cur.name = f'ffn_norm-{il}'
            # build_ffn(up, NULL gate, down, LLM_FFN_SWIGLU, LLM_FFN_SEQ): fused gate+up, ggml_swiglu (one input)
            up = self.mm(self.W([p.d, 2 * p.n_ff]), cur); up.name = f'ffn_up-{il}'
            sw = c._t(up.type, [up.ne[0] // 2] + up.ne[1:], op='GLU', src=[up]); sw.name = f'ffn_swiglu-{il}'
            cur = self.mm(self.W([p.n_ff, p.d]), sw); cur.name = f'ffn_out-{il}'
            cur = c.add(residual, cur); cur.name = f'l_out-{il}'
            inpL = cur
        return self.finish2(inpL)

    # ---- command-r (cohere) ----
    def build_command_r(self):
        p, c = self.p, self.c
        inpL, inp_pos, out_ids = self.prologue()
        for il in range(p.n_layer):
            self.il = il
            cur = self.norm_ln(inpL); cur.name = f'attn_norm-{il}'
            ffn_inp = cur
            Q, K, V = self.qkv_separate(cur)
            Q = c.rope(Q, inp_pos)
            K = c.rope(K, inp_pos)
            Q.name = f'Qcur-{il}'; K.name = f'Kcur-{il}'; V.name = f'Vcur-{il}'
            cur = self.build_attn2(il, self.W([p.hd * p.n_head, p.d]), Q, K, V)
            cur.name = f'attn_out-{il}'
            if il == p.n_layer - 1:
                cur = c.get_rows(cur, out_ids)
                inpL = c.get_rows(inpL, out_ids)
                ffn_inp = c.get_rows(ffn_inp, out_ids)
            attn_out = cur
            cur = self.build_ffn(ffn_inp, self.W([p.d, p.n_ff]), self.W([p.d, p.n_ff]), self.W([p.n_ff, p.d]))
            cur.name = f'ffn_out-{il}'
            cur = c.add(cur, inpL)
            cur = c.add(cur, attn_out); cur.name = f'l_out-{il}'
            inpL = cur
        return self.finish2(inpL, norm='ln')

    def build(self):
        a = self.p.arch
        if a in ('gemma2', 'gemma3'):
            return self.build_gemma()
        if a == 'gpt-oss':
            return self.build_gpt_oss()
        if a == 'phi3':
            return self.build_phi3()
        if a == 'command-r':
            return self.build_command_r()
        raise ValueError(a)


def build_graph2(p, n_tokens, n_seqs, n_outputs):
    return Builder2(p, n_tokens, n_seqs, n_outputs).build()
