"""Extra architectures (llama.cpp de3ff81 src/models/*.cpp)."""
from ggml_sim import F_INPUT, F_OUTPUT, row_size
from models import Builder


class Builder2(Builder):
    def W(self, ne, n=''):
        return self.c.weight(self.p.wtype, ne, n)

    def Wf(self, ne, n=''):
        return self.c.weight('f32', ne, n)

    def common_inputs(self):
        inpL = self.build_inp_embd()
        self.inp_pos = self.c.input('i32', [self.T * getattr(self.p, 'n_pos_per_embd', 1)], 'inp_pos')
        self.build_attn_inp_kv()
        self.out_ids = self.c.input('i32', [self.n_outputs], 'inp_out_ids')
        return inpL

    def build_ffn_par(self, cur, n_ff, il):
        # build_ffn(up, gate, down, LLM_FFN_SILU, LLM_FFN_PAR): up mm, gate mm, swiglu_split(gate, up), down mm
        c = self.c; d = cur.ne[0]
        tmp = self.mm(self.W([d, n_ff]), cur); tmp.name = f'ffn_up-{il}'
        g = self.mm(self.W([d, n_ff]), cur); g.name = f'ffn_gate-{il}'
        x = c.glu_split(g, tmp); x.name = f'ffn_swiglu-{il}'
        return self.mm(self.W([n_ff, d]), x)

    # ---------------- glm4moe (src/models/glm4-moe.cpp, graph::graph) ----------------
    def build_glm4moe(self):
        p, c = self.p, self.c
        inpL = self.common_inputs()
        for il in range(p.n_layer):
            self.il = il
            inpSA = inpL
            cur = self.build_norm(inpL, self.Wf([p.d])); cur.name = f'attn_norm-{il}'
            # build_qkv: separate wq/wk/wv (+bias add, in place), reshape_3d
            Q = c.add(self.mm(self.W([p.d, p.hd * p.n_head]), cur), self.Wf([p.hd * p.n_head]))
            K = c.add(self.mm(self.W([p.d, p.hd * p.n_head_kv]), cur), self.Wf([p.hd * p.n_head_kv]))
            V = c.add(self.mm(self.W([p.d, p.hd * p.n_head_kv]), cur), self.Wf([p.hd * p.n_head_kv]))
            Q = c.reshape(Q, [p.hd, p.n_head, self.T])
            K = c.reshape(K, [p.hd, p.n_head_kv, self.T])
            V = c.reshape(V, [p.hd, p.n_head_kv, self.T])
            if p.qk_norm:
                Q = self.build_norm(Q, self.Wf([p.hd]))
                K = self.build_norm(K, self.Wf([p.hd]))
            Q = c.rope(Q, self.inp_pos); K = c.rope(K, self.inp_pos)
            Q.name = f'Qcur-{il}'; K.name = f'Kcur-{il}'; V.name = f'Vcur-{il}'
            cur = self.build_attn(il, self.W([p.hd * p.n_head, p.d]), Q, K, V)
            if il == p.n_layer - 1:
                cur = c.get_rows(cur, self.out_ids)
                inpSA = c.get_rows(inpSA, self.out_ids)
            ffn_inp = c.add(cur, inpSA); ffn_inp.name = f'ffn_inp-{il}'
            cur = self.build_norm(ffn_inp, self.Wf([p.d])); cur.name = f'post_attn_norm-{il}'
            if il < p.n_dense_lead:
                cur = self.build_ffn_par(cur, p.n_ff, il)
            else:
                routed = self.build_moe_ffn(cur, il, gating=p.gating, probs_b=True, norm_w=p.norm_w,
                                            w_scale=p.w_scale)
                shared = self.build_ffn_par(cur, p.n_ff_exp * p.n_expert_shared, il)
                cur = c.add(routed, shared)
            cur.name = f'ffn_out-{il}'
            cur = c.add(cur, ffn_inp); cur.name = f'l_out-{il}'
            inpL = cur
        return self.finish(inpL)


    # ---------------- deepseek2, MLA absorbed (src/models/deepseek2.cpp, graph::graph, is_mla) ----------------
    def build_deepseek2(self):
        p, c, g = self.p, self.c, self.g
        T = self.T
        nope, rope, R, hdv = p.qk_nope, p.qk_rope, p.kv_lora, p.hd_v_mla
        hk = R + rope                           # cache row: n_embd_head_k = kv_lora_rank + n_rot
        inpL = self.build_inp_embd()
        self.inp_pos = c.input('i32', [T], 'inp_pos')
        # build_attn_inp_k: k_idxs + kq_mask only (no v_idxs, no Hadamard k_rot/v_rot inputs)
        self.k_idxs = c.input('i64', [T], 'k_idxs')
        self.kq_mask = c.input('f16' if p.fa else 'f32', [self.n_kv, T // self.n_seqs, 1, self.n_seqs], 'kq_mask')
        self.out_ids = c.input('i32', [self.n_outputs], 'inp_out_ids')
        kcache = [c.weight(p.kv, [hk, self.kv_size, self.n_stream], f'cache_k_l{il}') for il in range(p.n_layer)]
        for il in range(p.n_layer):
            self.il = il
            inpSA = inpL
            cur = self.build_norm(inpL, self.Wf([p.d])); cur.name = f'attn_norm-{il}'
            if p.q_lora > 0:
                q = self.mm(self.W([p.d, p.q_lora]), cur)
                q = self.build_norm(q, self.Wf([p.q_lora]))
                q = self.mm(self.W([p.q_lora, p.n_head * (nope + rope)]), q)
            else:
                q = self.mm(self.W([p.d, p.n_head * (nope + rope)]), cur)
            q = c.reshape(q, [nope + rope, p.n_head, T])
            kv_cmpr_pe = self.mm(self.W([p.d, R + rope]), cur)
            kv_cmpr = c.view_nd(kv_cmpr_pe, [R, T], [row_size('f32', R + rope)], 0)
            k_pe = c.view_nd(kv_cmpr_pe, [rope, 1, T], [row_size('f32', R + rope), row_size('f32', R + rope)],
                             row_size('f32', R))
            k_pe = c.rope(k_pe, self.inp_pos)
            kv_cmpr = self.build_norm(kv_cmpr, self.Wf([R]))
            q_nope = c.view_nd(q, [nope, p.n_head, T], [q.nb[1], q.nb[2]], 0)
            q_pe = c.view_nd(q, [rope, p.n_head, T], [q.nb[1], q.nb[2]], row_size('f32', nope))
            q_pe = c.rope(q_pe, self.inp_pos)
            q_nope = c.permute(q_nope, 0, 2, 1, 3)
            q_abs = self.mm(self.W([nope, R, p.n_head]), q_nope)          # wk_b x q_nope -> [R, T, n_head]
            q_abs = c.permute(q_abs, 0, 2, 1, 3)                           # [R, n_head, T]
            Q = c.concat(q_abs, q_pe, 0); Q.name = f'Qcur-{il}'             # [R+rope, n_head, T]
            kv_cmpr = c.reshape(kv_cmpr, [R, 1, T])
            K = c.concat(kv_cmpr, k_pe, 0); K.name = f'Kcur-{il}'           # [R+rope, 1, T]
            V = kv_cmpr
            # build_attn(llm_graph_input_attn_k): expand q, v, k; cpy_k only
            g.expand(Q); g.expand(V); g.expand(K)
            kview = c.view_nd(K, [hk, T], [K.nb[2]], 0)
            kc = kcache[il]
            if self.n_stream > 1:
                kc = c.reshape(kc, [hk, self.kv_size * self.n_stream])
            g.expand(c.set_rows(kc, kview, self.k_idxs))
            ns = self.n_stream
            k = c.view_nd(kcache[il], [hk, 1, self.n_kv, ns],
                          [row_size(p.kv, hk), row_size(p.kv, hk), row_size(p.kv, hk * self.kv_size)], 0)
            v = c.view_nd(k, [R, 1, self.n_kv, ns], [k.nb[1], k.nb[2], k.nb[3]], 0)
            wv_b = self.W([R, hdv, p.n_head])
            cur = self.build_attn_mha_mla(Q, k, v, self.kq_mask, wv_b)
            cur = self.mm(self.W([p.n_head * hdv, p.d]), cur)
            if il == p.n_layer - 1:
                cur = c.get_rows(cur, self.out_ids)
                inpSA = c.get_rows(inpSA, self.out_ids)
            ffn_inp = c.add(cur, inpSA); ffn_inp.name = f'ffn_inp-{il}'
            cur = self.build_norm(ffn_inp, self.Wf([p.d])); cur.name = f'ffn_norm-{il}'
            if il < p.n_dense_lead:
                cur = self.build_ffn_par(cur, p.n_ff, il)
            else:
                moe = self.build_moe_ffn(cur, il, gating=p.gating, probs_b=p.probs_b, norm_w=p.norm_w,
                                         w_scale=p.w_scale)
                sh = self.build_ffn_par(cur, p.n_ff_exp * p.n_expert_shared, il)
                cur = c.add(moe, sh)
            cur.name = f'ffn_out-{il}'
            cur = c.add(cur, ffn_inp); cur.name = f'l_out-{il}'
            inpL = cur
        return self.finish(inpL)

    def build_attn_mha_mla(self, q, k, v, mask, v_mla):
        # llm_graph_context::build_attn_mha with v_mla != NULL
        p, c, g = self.p, self.c, self.g
        v_trans = v.nb[1] > v.nb[2]          # false here: v is a view of the K cache
        n_stream = k.ne[3]
        q = c.view_nd(q, [q.ne[0], q.ne[1], q.ne[2] // n_stream, n_stream], [q.nb[1], q.nb[2], q.nb[3] // n_stream], 0)
        q = c.permute(q, 0, 2, 1, 3)
        k = c.permute(k, 0, 2, 1, 3)
        v = c.permute(v, 0, 2, 1, 3)
        if p.fa:
            cur = c.flash_attn_ext(q, k, v, mask); cur.name = f'fattn-{self.il}'   # [R, n_head, T/ns, ns]
            cur = c.permute(cur, 0, 2, 1, 3)
            cur = c.mul_mat(v_mla, cur); cur.name = f'fattn_mla-{self.il}'          # [hdv, T/ns, n_head, ns]
            cur = c.permute(cur, 0, 2, 1, 3)
            cur = c.cont(cur)
            cur = c.reshape(cur, [cur.ne[0] * cur.ne[1], cur.ne[2] * cur.ne[3]])
        else:
            kq = c.mul_mat(k, q); kq.name = f'kq-{self.il}'
            kq = c.soft_max_ext(kq, mask)
            if not v_trans:
                v = c.cont(c.transpose(v)); v.name = f'v_cont-{self.il}'   # [n_kv, R, 1, ns] in the cache type
            kqv = c.mul_mat(v, kq)
            kqv = c.mul_mat(v_mla, kqv); kqv.name = f'kqv_mla-{self.il}'
            cur = c.permute(kqv, 0, 2, 1, 3)
            cur = c.cont(cur, [cur.ne[0] * cur.ne[1], cur.ne[2] * cur.ne[3], 1, 1])
        g.expand(cur)
        return cur

    # ---------------- generic KV-cache attention with an explicit cache descriptor ----------------
    def make_kv(self, name, kv_size, layers, hk, hv, n_head_kv):
        """One llama_kv_cache (init_full: n_kv = size).  Inputs: k_idxs, v_idxs, kq_mask, [k_rot, v_rot]."""
        p, c, T = self.p, self.c, self.T
        ek, ev = hk * n_head_kv, hv * n_head_kv
        kv = dict(size=kv_size, hk=hk, hv=hv, nh=n_head_kv)
        kv['k_idxs'] = c.input('i64', [T], f'k_idxs{name}')
        kv['v_idxs'] = c.input('i64', [T] if p.fa else [T * ev], f'v_idxs{name}')
        kv['mask'] = c.input('f16' if p.fa else 'f32', [kv_size, T // self.n_seqs, 1, self.n_seqs], f'kq_mask{name}')
        kv['k_rot'] = kv['v_rot'] = None
        if self.quant_kv and hk % 64 == 0:
            nrot = 64
            while hk % (nrot * 2) == 0:
                nrot *= 2
            kv['k_rot'] = c.input('f32', [nrot, nrot], f'k_rot{name}')
        if self.quant_kv and hv % 64 == 0:
            kv['v_rot'] = c.input('f32', [64, 64], f'v_rot{name}')
        kv['k'] = {il: c.weight(p.kv, [ek, kv_size, self.n_stream], f'cache_k{name}_l{il}') for il in layers}
        kv['v'] = {il: c.weight(p.kv, [ev, kv_size, self.n_stream], f'cache_v{name}_l{il}') for il in layers}
        return kv

    def build_attn_kv(self, kv, il, wo, q_cur, k_cur, v_cur, order='qvk'):
        # llm_graph_context::build_attn (kv: order q,v,k ; kv_iswa: order q,k,v)
        p, c, g = self.p, self.c, self.g
        if kv['k_rot'] is not None:
            q_cur = self.hadamard(q_cur, kv['k_rot'])
            k_cur = self.hadamard(k_cur, kv['k_rot'])
        if kv['v_rot'] is not None:
            v_cur = self.hadamard(v_cur, kv['v_rot'])
        d = {'q': q_cur, 'k': k_cur, 'v': v_cur}
        for ch in order:
            g.expand(d[ch])
        hk, hv, nh, S, ns = kv['hk'], kv['hv'], kv['nh'], kv['size'], self.n_stream
        ek, ev = hk * nh, hv * nh
        kview = c.view_nd(k_cur, [ek, k_cur.ne[2]], [k_cur.nb[2]], 0)
        kc = kv['k'][il]
        if ns > 1:
            kc = c.reshape(kc, [ek, S * ns])
        g.expand(c.set_rows(kc, kview, kv['k_idxs']))
        vc = kv['v'][il]
        if p.fa:
            vview = c.view_nd(v_cur, [ev, v_cur.ne[2]], [v_cur.nb[2]], 0)
            if ns > 1:
                vc = c.reshape(vc, [ev, S * ns])
            g.expand(c.set_rows(vc, vview, kv['v_idxs']))
        else:
            if row_size(v_cur.type, ev) == v_cur.nb[2]:
                vv = c.reshape(v_cur, [ev, v_cur.ne[2]])
            else:
                vv = c.cont(v_cur, [ev, v_cur.ne[2], 1, 1])
            v_view = c.reshape(vc, [1, vc.ne[0] * vc.ne[1] * vc.ne[2]])
            vv = c.reshape(vv, [1, vv.ne[0] * vv.ne[1]])
            g.expand(c.set_rows(v_view, vv, kv['v_idxs']))
        k = c.view_nd(kv['k'][il], [hk, nh, S, ns], [row_size(p.kv, hk), row_size(p.kv, ek), row_size(p.kv, ek * S)], 0)
        if p.fa:
            v = c.view_nd(kv['v'][il], [hv, nh, S, ns], [row_size(p.kv, hv), row_size(p.kv, ev), row_size(p.kv, ev * S)], 0)
        else:
            v = c.view_nd(kv['v'][il], [S, nh, hv, ns],
                          [row_size(p.kv, S * hv), row_size(p.kv, S), row_size(p.kv, S * ev)], 0)
        cur = self.build_attn_mha(q_cur, k, v, kv['mask'])
        if kv['v_rot'] is not None:
            cur = self.hadamard(cur, kv['v_rot'])
        return self.mm(wo, cur)

    # ---------------- llama4 (src/models/llama4.cpp, graph<iswa=true>) ----------------
    def build_llama4(self):
        p, c, T = self.p, self.c, self.T
        L = p.n_layer
        is_swa = lambda il: il % p.swa_pattern < p.swa_pattern - 1       # load_swa_pattern(ml, 4)
        inpL = self.build_inp_embd()
        inp_pos = c.input('i32', [T], 'inp_pos')
        attn_scale = c.input('f32', [1, 1, T], 'inp_attn_scale')          # build_inp_attn_scale
        size_swa = min(self.kv_size, p.n_swa + p.n_ubatch)
        size_swa = (size_swa + 255) // 256 * 256                           # llama_kv_cache_iswa ctor
        if getattr(p, 'swa_full', False):
            size_swa = self.kv_size
        base = self.make_kv('', self.kv_size, [il for il in range(L) if not is_swa(il)], p.hd, p.hd, p.n_head_kv)
        swa = self.make_kv('_swa', size_swa, [il for il in range(L) if is_swa(il)], p.hd, p.hd, p.n_head_kv)
        out_ids = c.input('i32', [self.n_outputs], 'inp_out_ids')
        for il in range(L):
            self.il = il
            inpSA = inpL
            use_rope = (il + 1) % p.n_no_rope_layer_step != 0
            cur = self.build_norm(inpL, self.Wf([p.d])); cur.name = f'attn_norm-{il}'
            Q = self.mm(self.W([p.d, p.hd * p.n_head]), cur)
            K = self.mm(self.W([p.d, p.hd * p.n_head_kv]), cur)
            V = self.mm(self.W([p.d, p.hd * p.n_head_kv]), cur)
            Q = c.reshape(Q, [p.hd, p.n_head, T]); K = c.reshape(K, [p.hd, p.n_head_kv, T])
            V = c.reshape(V, [p.hd, p.n_head_kv, T])
            if use_rope:
                Q = c.rope(Q, inp_pos); K = c.rope(K, inp_pos)
            else:
                Q = c.mul(Q, attn_scale)
            if use_rope and p.use_kq_norm:
                Q = c.rms_norm(Q); K = c.rms_norm(K)
            Q.name = f'Qcur-{il}'; K.name = f'Kcur-{il}'; V.name = f'Vcur-{il}'
            cur = self.build_attn_kv(swa if is_swa(il) else base, il, self.W([p.hd * p.n_head, p.d]), Q, K, V,
                                     order='qkv')
            if il == L - 1:
                cur = c.get_rows(cur, out_ids)
                inpSA = c.get_rows(inpSA, out_ids)
            ffn_inp = c.add(cur, inpSA); ffn_inp.name = f'ffn_inp-{il}'
            xn = self.build_norm(ffn_inp, self.Wf([p.d])); xn.name = f'ffn_norm-{il}'
            moe = self.build_moe_ffn(xn, il, gating='sigmoid', probs_b=False, norm_w=False, w_scale=0.0,
                                     weight_before_ffn=True)
            sh = self.build_ffn_par(xn, p.n_ff_exp, il)
            cur = c.add(moe, sh)
            cur = c.add(cur, ffn_inp); cur.name = f'l_out-{il}'
            inpL = cur
        return self.finish(inpL)

    # ---------------- recurrent state (llama-graph.cpp: build_rs_inp_impl, build_rs) ----------------
    def make_rs(self, layers):
        p, c = self.p, self.c
        self.rs_size = max(1, p.n_seq)                     # recurrent_kv_size = max(1, n_seq_max); n_rs_seq = 0
        n_rs = self.rs_size                                # init_full: n_rs = size, head = 0, rs_z = 0
        s_copy = c.input('i32', [n_rs], 's_copy')
        self.s_copy_main = c.view_nd(s_copy, [self.n_seqs], [], 0)
        self.s_copy_extra = c.view_nd(s_copy, [n_rs - self.n_seqs], [], self.n_seqs * 4)
        self.r_l = {il: c.weight('f32', [p.n_embd_r, self.rs_size], f'cache_r_l{il}') for il in layers}
        self.s_l = {il: c.weight('f32', [p.n_embd_s, self.rs_size], f'cache_s_l{il}') for il in layers}

    def build_rs(self, s, state_size, get_rows=None):
        c, g = self.c, self.g
        n_rs, n_seqs = self.rs_size, self.n_seqs
        states = c.reshape(s, [state_size, s.ne[1]])
        zero = c.view_nd(states, [state_size], [], 0)                      # rs_z = 0
        g.expand(c.view_inplace(zero, 'SCALE', [zero]))                     # ggml_scale_inplace
        out = get_rows(states, self.s_copy_main) if get_rows else c.get_rows(states, self.s_copy_main)
        g.expand(out)
        extra = c.get_rows(states, self.s_copy_extra)                       # 0 rows in reserve -> 0 bytes
        dst = c.view_nd(s, [state_size, n_rs - n_seqs], [s.nb[1]], n_seqs * s.nb[1])
        g.expand(c.cpy(extra, dst))
        return out

    def build_mamba1_layer(self, cur, il):
        # src/models/mamba-base.cpp build_mamba_layer (Mamba-1; jamba has dt/B/C rms norms)
        p, c, g = self.p, self.c, self.g
        d_conv, d_inner, d_state, dt_rank = p.d_conv, p.d_inner, p.d_state, p.dt_rank
        ns = self.n_seqs; nst = self.T // ns
        conv = self.build_rs(self.r_l[il], p.n_embd_r)
        conv = c.reshape(conv, [d_conv - 1, d_inner, ns])
        cur = c.reshape(cur, [cur.ne[0], nst, ns])
        xz = self.mm(self.W([p.d, 2 * d_inner]), cur); xz.name = f'ssm_in-{il}'
        x = c.view_nd(xz, [d_inner, nst, ns], [xz.nb[1], xz.nb[2]], 0)
        z = c.view_nd(xz, [d_inner, nst, ns], [xz.nb[1], xz.nb[2]], d_inner * 4)
        conv_x = c.concat(conv, c.transpose(x), 0)
        last_conv = c.view_nd(conv_x, [d_conv - 1, d_inner, ns], [conv_x.nb[1], conv_x.nb[2]], nst * conv_x.nb[0])
        g.expand(c.cpy(last_conv, c.view_nd(self.r_l[il], [(d_conv - 1) * d_inner * ns], [], 0)))
        x = c.ssm_conv(conv_x, self.Wf([d_conv, d_inner]))
        x = c.add(x, self.Wf([d_inner]))
        x = c.unary(x)                                                       # silu
        x_db = self.mm(self.W([d_inner, dt_rank + 2 * d_state]), x)
        dt = c.view_nd(x_db, [dt_rank, nst, ns], [x_db.nb[1], x_db.nb[2]], 0)
        B = c.view_nd(x_db, [d_state, 1, nst, ns], [d_state * 4, x_db.nb[1], x_db.nb[2]], 4 * dt_rank)
        C = c.view_nd(x_db, [d_state, 1, nst, ns], [d_state * 4, x_db.nb[1], x_db.nb[2]], 4 * (dt_rank + d_state))
        if p.dt_b_c_norm:
            dt = self.build_norm(dt, self.Wf([dt_rank]))
            B = self.build_norm(B, self.Wf([d_state]))
            C = self.build_norm(C, self.Wf([d_state]))
        else:
            dt = c.cont(dt)
        dt = self.mm(c.weight('f16', [dt_rank, d_inner]), dt)
        dt = c.add(dt, self.Wf([d_inner]))
        cur = x
        x = c.reshape(x, [1, d_inner, nst, ns])
        A = self.Wf([d_state, d_inner])

        def get_ssm_rows(states, ids):
            ssm = c.reshape(states, [d_state, 1, d_inner, self.rs_size])
            return c.ssm_scan(ssm, x, dt, A, B, C, ids)
        y_ssm = self.build_rs(self.s_l[il], p.n_embd_s, get_ssm_rows)
        g.expand(c.cpy(c.view_nd(y_ssm, [d_state * d_inner * ns], [], x.nb[3] * x.ne[3]),
                       c.view_nd(self.s_l[il], [d_state * d_inner * ns], [], 0)))
        y = c.view_nd(y_ssm, [d_inner, nst, ns], [x.nb[2], x.nb[3]], 0)
        y = c.add(y, c.mul(cur, self.Wf([d_inner])))
        y = c.glu_split(c.cont(z), y)
        cur = self.mm(self.W([d_inner, p.d]), y)
        return c.reshape(cur, [cur.ne[0], nst * ns])

    # ---------------- jamba (src/models/jamba.cpp) ----------------
    def build_jamba(self):
        p, c, T = self.p, self.c, self.T
        L = p.n_layer
        attn_layers = [il for il in range(L) if p.n_head_kv_arr[il] > 0]
        inpL = self.build_inp_embd()
        self.make_rs([il for il in range(L) if il not in attn_layers])    # build_inp_mem_hybrid: rs, then attn
        kv = self.make_kv('', self.kv_size, attn_layers, p.hd, p.hd, p.n_head_kv)
        out_ids = c.input('i32', [self.n_outputs], 'inp_out_ids')
        for il in range(L):
            self.il = il
            cur = self.build_norm(inpL, self.Wf([p.d])); cur.name = f'attn_norm-{il}'
            if il not in attn_layers:
                cur = self.build_mamba1_layer(cur, il)
            else:
                Q = c.reshape(self.mm(self.W([p.d, p.hd * p.n_head]), cur), [p.hd, p.n_head, T])
                K = c.reshape(self.mm(self.W([p.d, p.hd * p.n_head_kv]), cur), [p.hd, p.n_head_kv, T])
                V = c.reshape(self.mm(self.W([p.d, p.hd * p.n_head_kv]), cur), [p.hd, p.n_head_kv, T])
                cur = self.build_attn_kv(kv, il, self.W([p.hd * p.n_head, p.d]), Q, K, V, order='qvk')
            if il == L - 1:
                cur = c.get_rows(cur, out_ids)
                inpL = c.get_rows(inpL, out_ids)
            ffn_inp = c.add(inpL, cur); ffn_inp.name = f'ffn_inp-{il}'       # note: add(inpL, cur)
            cur = self.build_norm(ffn_inp, self.Wf([p.d]))
            if il in p.moe_layers:
                cur = self.build_moe_ffn(cur, il, gating='softmax', norm_w=False)
            else:
                cur = self.build_ffn_par(cur, p.n_ff, il)
            cur = c.add(ffn_inp, cur); cur.name = f'l_out-{il}'              # note: add(ffn_inp, cur)
            inpL = cur
        return self.finish(inpL)

    def build_mamba2_layer(self, cur, il):
        # src/models/mamba-base.cpp build_mamba2_layer (n_rs_seq = 0 -> K = 1)
        p, c, g = self.p, self.c, self.g
        d_conv, d_inner, d_state, n_head, ng = p.d_conv, p.d_inner, p.d_state, p.dt_rank, p.n_group
        hd = d_inner // n_head
        ns = self.n_seqs; nst = self.T // ns
        xbc_w = d_inner + 2 * ng * d_state
        conv = self.build_rs(self.r_l[il], p.n_embd_r)
        conv = c.reshape(conv, [d_conv - 1, xbc_w, ns])
        zx = self.mm(self.W([p.d, 2 * d_inner + 2 * ng * d_state + n_head]), cur); zx.name = f'ssm_in-{il}'
        zx = c.reshape(zx, [zx.ne[0], nst, ns])
        z = c.view_nd(zx, [hd, n_head, nst, ns], [hd * 4, zx.nb[1], zx.nb[2]], 0)
        xBC = c.view_nd(zx, [xbc_w, nst, ns], [zx.nb[1], zx.nb[2]], d_inner * 4)
        dt = c.view_nd(zx, [n_head, nst, ns], [zx.nb[1], zx.nb[2]], (2 * d_inner + 2 * ng * d_state) * 4)
        conv_x = c.concat(conv, c.transpose(xBC), 0)
        row_count = (d_conv - 1) * xbc_w
        last_conv = c.view_nd(conv_x, [d_conv - 1, xbc_w, ns], [conv_x.nb[1], conv_x.nb[2]], nst * conv_x.nb[0])
        g.expand(c.cpy(last_conv, c.view_nd(self.r_l[il], [row_count, ns], [self.r_l[il].nb[1]], 0)))
        xBC = c.ssm_conv(conv_x, self.Wf([d_conv, xbc_w]))
        xBC = c.add(xBC, self.Wf([xbc_w]))
        xBC = c.unary(xBC)
        x = c.view_nd(xBC, [hd, n_head, nst, ns], [hd * 4, xBC.nb[1], xBC.nb[2]], 0)
        B = c.view_nd(xBC, [d_state, ng, nst, ns], [d_state * 4, xBC.nb[1], xBC.nb[2]], d_inner * 4)
        C = c.view_nd(xBC, [d_state, ng, nst, ns], [d_state * 4, xBC.nb[1], xBC.nb[2]], (d_inner + ng * d_state) * 4)
        dt = c.add(c.cont(dt), self.Wf([n_head]))
        A = self.Wf([1, n_head])
        s_l = self.s_l[il]

        def get_ssm_rows(states, ids):
            ssm = c.reshape(states, [d_state, hd, n_head, s_l.ne[1]])
            return c.ssm_scan(ssm, x, dt, A, B, C, ids)
        y_ssm = self.build_rs(s_l, p.n_embd_s, get_ssm_rows)
        D = d_state * d_inner
        nx = hd * n_head * nst * ns
        g.expand(c.cpy(c.view_nd(y_ssm, [D, ns, 1], [D * 4, D * 4 * ns], nx * 4),
                       c.view_nd(s_l, [D, ns, 1], [s_l.nb[1], self.rs_size * D * 4], 0)))
        y = c.view_nd(y_ssm, [hd, n_head, nst, ns], [x.nb[1], n_head * x.nb[1], nst * n_head * x.nb[1]], 0)
        y = c.add(y, c.mul(x, self.Wf([1, n_head])))
        y = c.glu_split(c.cont(z), y)
        if p.ssm_norm:
            y = c.reshape(y, [d_inner // ng, ng, nst, ns])
            y = self.build_norm(y, self.Wf([d_inner // ng, ng]))
        y = c.reshape(y, [d_inner, nst * ns])
        return self.mm(self.W([d_inner, p.d]), y)

    # ---------------- granitehybrid (src/models/granite-hybrid.cpp) ----------------
    def build_granitehybrid(self):
        p, c, T = self.p, self.c, self.T
        L = p.n_layer
        attn_layers = [il for il in range(L) if p.n_head_kv_arr[il] > 0]
        inpL = self.build_inp_embd()
        self.make_rs([il for il in range(L) if il not in attn_layers])
        kv = self.make_kv('', self.kv_size, attn_layers, p.hd, p.hd, p.n_head_kv)
        out_ids = c.input('i32', [self.n_outputs], 'inp_out_ids')
        inp_pos = c.input('i32', [T], 'inp_pos')                            # has_rope(0): rope_finetuned default true
        for il in range(L):
            self.il = il
            inpSA = inpL
            cur = self.build_norm(inpL, self.Wf([p.d])); cur.name = f'attn_norm-{il}'
            if il not in attn_layers:
                cur = self.build_mamba2_layer(cur, il)
            else:
                Q = c.reshape(self.mm(self.W([p.d, p.hd * p.n_head]), cur), [p.hd, p.n_head, T])
                K = c.reshape(self.mm(self.W([p.d, p.hd * p.n_head_kv]), cur), [p.hd, p.n_head_kv, T])
                V = c.reshape(self.mm(self.W([p.d, p.hd * p.n_head_kv]), cur), [p.hd, p.n_head_kv, T])
                Q = c.rope(Q, inp_pos); K = c.rope(K, inp_pos)
                cur = self.build_attn_kv(kv, il, self.W([p.hd * p.n_head, p.d]), Q, K, V, order='qvk')
            if il == L - 1:
                cur = c.get_rows(cur, out_ids)
                inpSA = c.get_rows(inpSA, out_ids)
            ffn_inp = c.add(cur, inpSA); ffn_inp.name = f'ffn_inp-{il}'
            cur = self.build_norm(ffn_inp, self.Wf([p.d]))
            moe = self.build_moe_ffn(cur, il, gating='softmax', norm_w=True)
            sh = self.build_ffn_par(cur, p.n_ff_shexp, il)
            cur = c.add(moe, sh)
            cur = c.add(cur, ffn_inp); cur.name = f'l_out-{il}'
            inpL = cur
        return self.finish(inpL)

    # ---------------- qwen3next (src/models/qwen3next.cpp + delta-net-base.cpp, fused GDN) ----------------
    def build_qwen3next(self):
        p, c, g, T = self.p, self.c, self.g, self.T
        L = p.n_layer
        attn_layers = [il for il in range(L) if (il + 1) % p.full_attn_interval == 0]
        inpL = self.build_inp_embd()
        self.make_rs([il for il in range(L) if il not in attn_layers])
        kv = self.make_kv('', self.kv_size, attn_layers, p.hd, p.hd, p.n_head_kv)
        inp_pos = c.input('i32', [T], 'inp_pos')
        out_ids = c.input('i32', [self.n_outputs], 'inp_out_ids')
        for il in range(L):
            self.il = il
            inpSA = inpL
            cur = self.build_norm(inpL, self.Wf([p.d])); cur.name = f'attn_norm-{il}'
            g.expand(cur)
            if il in attn_layers:
                cur = self.qwen3next_attn(kv, cur, inp_pos, il)
            else:
                cur = self.qwen3next_linear(cur, il)
            # embeddings_nextn_masked = false: no get_rows in the last layer
            cur = c.add(cur, inpSA); cur.name = f'attn_residual-{il}'
            ffn_res = cur
            x = self.build_norm(cur, self.Wf([p.d])); x.name = f'attn_post_norm-{il}'
            moe = self.build_moe_ffn(x, il, gating='softmax', norm_w=True)
            sh = self.build_ffn_par(x, p.n_ff_shexp, il)
            sg = self.mm(self.Wf([p.d]), x)                          # ffn_gate_inp_shexp [n_embd] -> [1, T]
            sg = c.unary(sg)                                          # sigmoid
            sh = c.mul(sh, sg)
            cur = c.add(moe, sh)
            cur = c.add(cur, ffn_res); cur.name = f'l_out-{il}'
            inpL = cur
        cur = self.build_norm(inpL, self.Wf([p.d]))
        h_nextn = cur
        cur = c.get_rows(cur, out_ids)                                # !embeddings_nextn_masked && inp_out_ids
        t_embd = cur
        cur = self.mm(self.W([p.d, p.n_vocab]), cur)
        g.expand(cur)
        for t in (cur, t_embd, h_nextn):                               # set_outputs: logits, embd, h_nextn
            t.flags |= F_OUTPUT
        cur.name = 'result_output'; t_embd.name = 'result_norm'
        return g

    def qwen3next_attn(self, kv, cur, inp_pos, il):
        p, c, T = self.p, self.c, self.T
        hd = p.hd
        Q = self.mm(self.W([p.d, hd * 2 * p.n_head]), cur)           # build_qkv(reshape=false): 2D, no cont
        K = self.mm(self.W([p.d, hd * p.n_head_kv]), cur)
        V = self.mm(self.W([p.d, hd * p.n_head_kv]), cur)
        Qf = c.reshape(Q, [hd * 2, p.n_head, T, 1])
        Qc = c.view_nd(Qf, [hd, p.n_head, T, 1], [Qf.nb[1], Qf.nb[2], Qf.nb[3]], 0)
        gate = c.view_nd(Qf, [hd, p.n_head, T, 1], [Qf.nb[1], Qf.nb[2], Qf.nb[3]], hd * 4)
        K = c.reshape(K, [hd, p.n_head_kv, T]); V = c.reshape(V, [hd, p.n_head_kv, T])
        Qc = self.build_norm(Qc, self.Wf([hd])); K = self.build_norm(K, self.Wf([hd]))
        Qc = c.rope(Qc, inp_pos); K = c.rope(K, inp_pos)
        # build_attn with wo = nullptr
        cur = self.build_attn_kv_nowo(kv, il, Qc, K, V)
        gate = c.cont(gate, [hd * p.n_head, T, 1, 1])
        gate = c.unary(gate)                                           # sigmoid
        cur = c.mul(cur, gate)
        return self.mm(self.W([hd * p.n_head, p.d]), cur)

    def build_attn_kv_nowo(self, kv, il, q, k, v):
        saved = self.mm
        self.mm = lambda w, x: x
        try:
            return self.build_attn_kv(kv, il, None, q, k, v, order='qvk')
        finally:
            self.mm = saved

    def qwen3next_linear(self, cur, il):
        p, c, g = self.p, self.c, self.g
        d_inner, hk, nkh, nvh = p.d_inner, p.d_state, p.n_group, p.dt_rank
        hv = d_inner // nvh
        ns = self.n_seqs; nst = self.T // ns
        qkv = self.mm(self.W([p.d, 2 * hk * nkh + hv * nvh]), cur)  # wqkv path
        qkv = c.reshape(qkv, [qkv.ne[0], nst, ns])
        z = self.mm(self.W([p.d, d_inner]), cur)                       # wqkv_gate
        ba = self.mm(self.W([p.d, 2 * nvh]), cur)
        ba = c.reshape(ba, [2 * nvh // nkh, nkh, nst, ns])
        b = c.view_nd(ba, [nvh // nkh, nkh, nst, ns], [ba.nb[1], ba.nb[2], ba.nb[3]], 0)
        a = c.view_nd(ba, [nvh // nkh, nkh, nst, ns], [ba.nb[1], ba.nb[2], ba.nb[3]], (nvh // nkh) * 4)
        b = c.cont(b)
        beta = c.unary(b)                                              # sigmoid
        alpha = c.cont(a, [nvh, nst, ns, 1])
        alpha = c.add(alpha, self.Wf([nvh]))
        alpha = c.unary(alpha)                                         # softplus
        gate = c.mul(alpha, self.Wf([nvh]))
        beta = c.reshape(beta, [1, nvh, nst, ns])
        gate = c.reshape(gate, [1, nvh, nst, ns])
        conv_ch = d_inner + 2 * nkh * hk
        # build_conv_state
        cs = self.build_rs(self.r_l[il], p.n_embd_r)
        cs = c.reshape(cs, [p.d_conv - 1, conv_ch, ns])
        conv_input = c.concat(cs, c.transpose(qkv), 0)
        s_idx = conv_input.ne[0] - cs.ne[0]
        last = c.view_nd(conv_input, [p.d_conv - 1, conv_ch, ns], [conv_input.nb[1], conv_input.nb[2]], s_idx * 4)
        g.expand(c.cpy(last, c.view_nd(self.r_l[il], [(p.d_conv - 1) * conv_ch, ns], [self.r_l[il].nb[1]], 0)))
        state = self.build_rs(self.s_l[il], p.n_embd_s)
        state = c.reshape(state, [hv, hv, nvh, ns])
        co = c.ssm_conv(conv_input, self.Wf([p.d_conv, conv_ch]))
        co = c.unary(co)                                               # silu
        nb1 = (2 * hk * nkh + hv * nvh) * 4
        q = c.view_nd(co, [hk, nkh, nst, ns], [hk * 4, nb1, nb1 * nst], 0)
        k = c.view_nd(co, [hk, nkh, nst, ns], [hk * 4, nb1, nb1 * nst], hk * nkh * 4)
        v = c.view_nd(co, [hv, nvh, nst, ns], [hv * 4, nb1, nb1 * nst], 2 * hk * nkh * 4)
        q = c.scale(c.rms_norm(q)); k = c.scale(c.rms_norm(k))        # build_gdn_l2_norm
        if nkh != nvh:
            rf = nvh // nkh
            q = c.reshape(c.op('REPEAT', 'f32', [hk, rf, nkh, nst * ns], [c.reshape(q, [hk, 1, nkh, nst * ns])]),
                          [hk, nkh * rf, nst, ns])
            k = c.reshape(c.op('REPEAT', 'f32', [hk, rf, nkh, nst * ns], [c.reshape(k, [hk, 1, nkh, nst * ns])]),
                          [hk, nkh * rf, nst, ns])
        res = c.gated_delta_net(q, k, v, gate, beta, state, 1)       # fused_gdn_ar / fused_gdn_ch (CPU: enabled)
        out = c.view_nd(res, [hv, nvh, nst, ns], [hv * 4, hv * nvh * 4, hv * nvh * nst * 4], 0)
        new_state = c.view_nd(res, [hv, hv, nvh, ns], [hv * 4, hv * hv * 4, hv * hv * nvh * 4],
                              hv * nvh * nst * ns * 4)
        g.expand(c.cpy(new_state, c.view_nd(self.s_l[il], [p.n_embd_s, ns], [self.s_l[il].nb[1]], 0)))
        z2 = c.reshape(z, [hv, nvh, nst, ns])
        normed = self.build_norm(out, self.Wf([hv]))
        gs = c.unary(z2)                                               # silu
        y = c.mul(normed, gs)
        y = c.reshape(y, [hv * nvh, nst, ns])
        cur = self.mm(self.W([hv * nvh, p.d]), y)
        return c.reshape(cur, [p.d, nst * ns])

def build_graph(p, n_tokens, n_seqs, n_outputs):
    b = Builder2(p, n_tokens, n_seqs, n_outputs)
    return getattr(b, 'build_' + p.arch, b.build)()
