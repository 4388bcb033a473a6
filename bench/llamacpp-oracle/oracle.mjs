// llama.cpp as an oracle for vramfit's memory terms (docs/llamacpp-oracle.md).
//
//   node oracle.mjs measure VRAMFIT PLAN.json > POINTS.jsonl   load each file of the plan with the llama.cpp
//                                                               CPU build of node-llama-cpp, create a context
//                                                               at each grid point, record llama.cpp's buffer
//                                                               lines and vramfit's estimate of the same point
//   node oracle.mjs again VRAMFIT POINTS.jsonl > NEW.jsonl   vramfit again on recorded points (after a formula
//                                                               change; the GGUF files must still be there)
//   node oracle.mjs report POINTS.jsonl OUT_PREFIX [BEFORE.jsonl]
//                                                               OUT_PREFIX.json (every point, errors per term)
//                                                               and OUT_PREFIX.md (tables); prints the summary.
//                                                               With BEFORE (the same points, an older vramfit):
//                                                               its compute and total errors beside the new ones
//
// A plan: {"threads": 1, "models": [{"file": F, "model": ID, "quant": Q, "shape": "real"|"tiny"}],
//          "grid": {"contexts": [512, 4096, 16384], "batches": [128, 512], "kv": ["f16", "q8_0"],
//                   "flash_attention": [true, false], "sequences": [1, 4], "max_cells": 32768}}
// Grid points llama.cpp refuses by design are skipped: a quantized V cache without flash attention.
// `max_cells` (context x sequences) bounds the KV cache and the compute buffer of the big shapes.
//
// Mapping (node-llama-cpp 3.22.1, LlamaContext.js and addon/AddonContext.cpp):
//   createContext({contextSize: C, sequences: S, batchSize: B}) gives llama.cpp
//   n_ctx = PAD(C x S, 256), n_seq_max = S, kv_unified = false, n_batch = n_ubatch = max(B, S)
//   (+1 on models with a sliding window, "to handle edge cases with SWA KV cache"). llama.cpp then
//   splits n_ctx into S streams of n_ctx_seq = PAD(n_ctx / S, 256) cells: one llama-server
//   `-c C*S -np S`, which is what `vramfit estimate -c C --parallel S` means. vramfit is given the
//   values llama.cpp printed (n_ctx_seq, n_seq_max, n_ubatch), so a difference is a formula's, not
//   the mapping's.
import {execFileSync} from "node:child_process";
import fs from "node:fs";
import process from "node:process";

const MiB = 1024 * 1024;
const RESOLUTION = 0.005 * MiB + 1; // llama.cpp prints "%.2f MiB" (57.375 prints as 57.38)

// ---------------------------------------------------------------------------------------------
// measure

// Buffer lines of llama.cpp, summed per kind and buffer type (an iSWA model logs two KV caches).
//   load_tensors:   CPU_Mapped model buffer size =  1234.56 MiB
//   llama_kv_cache:        CPU KV buffer size =   128.00 MiB        llama_memory_recurrent: CPU RS buffer size
//   sched_reserve:        CPU compute buffer size =   258.50 MiB    llama_context:  CPU  output buffer size
function buffers(lines) {
    const out = {};
    const add = (k, v) => (out[k] = (out[k] ?? 0) + v);
    for (const line of lines) {
        const m = line.match(/(\S+)\s+(model|KV|RS|compute|output) buffer size =\s+([\d.]+) MiB/);
        if (m) add(`${m[2].toLowerCase()}_${m[1]}`, Number(m[3]) * MiB);
        const c = line.match(/llama_kv_cache: size =\s+[\d.]+ MiB \(\s*(\d+) cells,\s*(\d+) layers,\s*(\d+)\/(\d+) seqs\)/);
        if (c) (out.caches ??= []).push({cells: +c[1], layers: +c[2], seqs: +c[4]});
        const p = line.match(/llama_context: (n_ctx|n_ctx_seq|n_seq_max|n_batch|n_ubatch)\s+= (\d+)/);
        if (p) out[p[1]] = Number(p[2]);
        const f = line.match(/llama_context: flash_attn\s+= (\S+)/);
        if (f) out.flash_attn = f[1];
    }
    return out;
}

const sum = (o, prefix, except = []) =>
    Object.entries(o).filter(([k]) => k.startsWith(prefix) && !except.includes(k)).reduce((a, [, v]) => a + v, 0);

// The same point as a CPU-only run (`fit --ram`): every buffer in host memory, as on this machine.
// compute and output are the host's buffers; compute_gpu is the buffer a GPU holding the output head
// would have (compute_buffer.bytes), kept for comparison with runs before the host got its own rule.
function vramfitEstimate(vramfit, file, p) {
    const args = ["fit", file, "--json", "--ram", "4TB", "--ram-bandwidth", "100GB/s", "-c", String(p.n_ctx_seq),
        "--parallel", String(p.n_seq_max), "--ubatch", String(p.n_ubatch), "--kv-type", p.kv];
    if (!p.flash_attention) args.push("--no-flash-attn");
    const j = JSON.parse(execFileSync(vramfit, args, {encoding: "utf8"}));
    return {args: args.slice(2).join(" "), weights: j.weights.bytes, kv: j.kv_cache.bytes, kv_cells: j.kv_cache.cells,
        kv_window_cells: j.kv_cache.window_cells, kv_streams: j.kv_cache.streams, compute: j.host.compute_bytes,
        compute_gpu: j.compute_buffer.bytes,
        compute_terms: {inputs: j.compute_buffer.inputs_bytes, mask: j.compute_buffer.mask_bytes,
            logits: j.compute_buffer.logits_bytes, attention: j.compute_buffer.attention_bytes,
            ffn: j.compute_buffer.ffn_bytes}, output: j.host.output_buffer_bytes,
        // vramfit says so among its assumptions when the host buffer is the allocator replay's
        replayed: j.assumptions.some((a) => a.startsWith("compute buffer: ggml-alloc replayed"))};
}

function gridPoints(grid, shape) {
    const pts = [];
    for (const ctx of grid.contexts)
        for (const batch of grid.batches)
            for (const kv of grid.kv)
                for (const fa of grid.flash_attention)
                    for (const seqs of grid.sequences) {
                        if (kv !== "f16" && !fa) continue; // llama.cpp: quantized V needs flash attention
                        if (ctx * seqs > (shape === "real" ? grid.max_cells ?? Infinity : Infinity)) continue;
                        pts.push({context: ctx, batch, kv, flash_attention: fa, sequences: seqs});
                    }
    return pts;
}

async function measure(vramfit, planPath) {
    const plan = JSON.parse(fs.readFileSync(planPath, "utf8"));
    const nlc = new URL("../llamacpp/node_modules/node-llama-cpp/", import.meta.url);
    const {getLlama, LlamaLogLevel} = await import(new URL("dist/index.js", nlc));
    const log = [];
    const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.info,
        logger: (level, message) => log.push(message.trimEnd())});
    const settle = () => new Promise((r) => setTimeout(r, 100)); // llama.cpp's log lines arrive asynchronously
    const version = JSON.parse(fs.readFileSync(new URL("package.json", nlc))).version;
    const release = JSON.parse(fs.readFileSync(new URL("llama/llama.cpp.info.json", nlc))).tag;
    for (const m of plan.models) {
        const first = log.length;
        let model;
        try {
            model = await llama.loadModel({modelPath: m.file, gpuLayers: 0});
        } catch (e) {
            console.log(JSON.stringify({model: m.model, quant: m.quant, shape: m.shape, error: `load: ${e.message}`}));
            continue;
        }
        await settle();
        const modelBuffers = buffers(log.slice(first));
        for (const g of gridPoints(plan.grid, m.shape)) {
            const before = log.length;
            const point = {model: m.model, quant: m.quant, file: m.file, shape: m.shape, architecture: model.fileInfo.metadata.general.architecture,
                node_llama_cpp: version, llama_cpp: release, ...g};
            let ctx;
            try {
                ctx = await model.createContext({contextSize: g.context, sequences: g.sequences, batchSize: g.batch,
                    flashAttention: g.flash_attention, threads: plan.threads ?? 1, ignoreMemorySafetyChecks: true,
                    experimentalKvCacheKeyType: g.kv.toUpperCase(), experimentalKvCacheValueType: g.kv.toUpperCase()});
            } catch (e) {
                console.log(JSON.stringify({...point, error: `context: ${e.message}`}));
                continue;
            }
            await settle();
            const b = {...modelBuffers, ...buffers(log.slice(before))};
            await ctx.dispose();
            const llamacpp = {
                weights: sum(b, "model_", ["model_CPU_REPACK"]), repack: b.model_CPU_REPACK ?? 0,
                kv: sum(b, "kv_") + sum(b, "rs_"), compute: sum(b, "compute_"), output: sum(b, "output_"),
                kv_caches: b.caches ?? [], n_ctx: b.n_ctx, n_ctx_seq: b.n_ctx_seq, n_seq_max: b.n_seq_max,
                n_batch: b.n_batch, n_ubatch: b.n_ubatch, flash_attn: b.flash_attn, buffers: b};
            llamacpp.total = llamacpp.weights + llamacpp.kv + llamacpp.compute + llamacpp.output;
            let vf;
            try {
                vf = vramfitEstimate(vramfit, m.file, {...g, n_ctx_seq: b.n_ctx_seq, n_seq_max: b.n_seq_max, n_ubatch: b.n_ubatch});
                vf.total = vf.weights + vf.kv + vf.compute + vf.output;
            } catch (e) {
                vf = {error: String(e.stderr ?? e.message).trim()};
            }
            console.log(JSON.stringify({...point, llamacpp, vramfit: vf}));
        }
        await model.dispose();
    }
}

function again(vramfit, pointsPath) {
    for (const line of fs.readFileSync(pointsPath, "utf8").split("\n").filter(Boolean)) {
        const r = JSON.parse(line);
        if (r.llamacpp) {
            const l = r.llamacpp;
            try {
                r.vramfit = vramfitEstimate(vramfit, r.file, {...r, n_ctx_seq: l.n_ctx_seq, n_seq_max: l.n_seq_max, n_ubatch: l.n_ubatch});
                r.vramfit.total = r.vramfit.weights + r.vramfit.kv + r.vramfit.compute + r.vramfit.output;
            } catch (e) {
                r.vramfit = {error: String(e.stderr ?? e.message).trim()};
            }
        }
        console.log(JSON.stringify(r));
    }
}

// ---------------------------------------------------------------------------------------------
// report

const TERMS = ["weights", "kv", "compute", "output", "total"];
const rel = (v, l) => (l === 0 ? (v === 0 ? 0 : Infinity) : (v - l) / l);
const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pct = (x) => (Number.isFinite(x) ? `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(2)} %` : "–");
const apct = (x) => (Number.isFinite(x) ? `${(100 * x).toFixed(2)} %` : "–");
const mib = (x) => (x / MiB).toFixed(2);

const pointKey = (r) => [r.model, r.quant, r.context, r.batch, r.kv, r.flash_attention, r.sequences].join(" ");

function readPoints(path) {
    const rows = fs.readFileSync(path, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const ok = rows.filter((r) => r.llamacpp && r.vramfit && !r.vramfit.error);
    for (const r of ok) {
        r.error = {}, r.diff_bytes = {};
        for (const t of TERMS) {
            r.diff_bytes[t] = r.vramfit[t] - r.llamacpp[t];
            // Within the print resolution of llama.cpp's lines counts as exact.
            // one line per KV cache (two for an iSWA model) and one per recurrent-state buffer
            const kvLines = r.llamacpp.kv_caches.length + Object.keys(r.llamacpp.buffers).filter((k) => k.startsWith("rs_")).length;
            const lines = t === "total" ? 3 + kvLines : t === "kv" ? Math.max(1, kvLines) : 1;
            r.error[t] = Math.abs(r.diff_bytes[t]) <= lines * RESOLUTION ? 0 : rel(r.vramfit[t], r.llamacpp[t]);
        }
        // compute is the host's buffer of a CPU-only run (placement.hpp: host_total, the lookup beside
        // the head); compute_gpu the buffer a GPU holding the output head would have, as before.
        r.error.compute_gpu = Math.abs(r.vramfit.compute_gpu - r.llamacpp.compute) <= RESOLUTION ? 0 : rel(r.vramfit.compute_gpu, r.llamacpp.compute);
        r.kv_cells_match = r.llamacpp.kv_caches.length === 0 ||
            r.llamacpp.kv_caches.some((c) => c.cells === r.vramfit.kv_cells);
    }
    return {rows, ok, failed: rows.filter((r) => !ok.includes(r))};
}

// ---------------------------------------------------------------------------------------------
// check: what CI asserts on every submission (docs/llamacpp-oracle.md "In CI"). Weights and KV cache
// exact at every point (within the print resolution of llama.cpp's lines); on the real shapes the
// compute buffer within COMPUTE_TOL and the total within TOTAL_TOL. The tiny fixtures' compute
// buffers (3-10 MiB, mostly the allocator's placement) are reported, not asserted, except where vramfit
// replays the allocator over the architecture's graph (include/vramfit/llamacpp_graph.hpp): there every
// point, tiny or real, must equal llama.cpp's line to its print resolution (%.2f MiB).
const COMPUTE_TOL = Number(process.env.ORACLE_COMPUTE_TOL ?? 0.03);
// Points recorded before vramfit's answer said whether it replayed fall back to the architectures:
const REPLAYED = new Set(["llama", "qwen2", "qwen2vl", "qwen3", "qwen3moe", "gemma2", "gemma3", "gpt-oss", "phi3", "command-r",
    "glm4moe", "llama4", "deepseek2", "jamba", "granitehybrid", "qwen3next", "qwen35", "qwen35moe",
    "nemotron_h", "nemotron_h_moe", "minimax-m2", "qwen3vl", "qwen3vlmoe"]);  // GGUF general.architecture
const TOTAL_TOL = Number(process.env.ORACLE_TOTAL_TOL ?? 0.02);

function check(pointsPath) {
    const {rows, ok, failed} = readPoints(pointsPath);
    const misses = [];
    for (const r of failed) misses.push(`${r.model} ${r.quant}: not measured (${r.error ?? r.vramfit?.error ?? "no llama.cpp result"})`);
    for (const r of ok) {
        const at = `${r.model} ${r.quant} ctx ${r.context} seqs ${r.sequences} ub ${r.batch} kv ${r.kv} fa ${r.flash_attention ? "on" : "off"}`;
        for (const t of ["weights", "kv"])
            if (r.error[t] !== 0) misses.push(`${at}: ${t} ${pct(r.error[t])} (llama.cpp ${mib(r.llamacpp[t])} MiB, vramfit ${mib(r.vramfit[t])} MiB)`);
        if ((r.vramfit.replayed ?? REPLAYED.has(r.architecture)) && !(Math.abs(r.vramfit.compute - r.llamacpp.compute) <= 0.005 * 1048576))
            misses.push(`${at}: compute ${mib(r.vramfit.compute)} MiB replayed, llama.cpp ${mib(r.llamacpp.compute)} MiB`);
        if (r.shape !== "real") continue;
        if (!(Math.abs(r.error.compute) <= COMPUTE_TOL))
            misses.push(`${at}: compute ${pct(r.error.compute)} (llama.cpp ${mib(r.llamacpp.compute)} MiB, vramfit ${mib(r.vramfit.compute)} MiB)`);
        if (!(Math.abs(r.error.total) <= TOTAL_TOL)) misses.push(`${at}: total ${pct(r.error.total)}`);
    }
    const real = ok.filter((r) => r.shape === "real");
    console.log(`${rows.length} points (${real.length} real shapes): weights and KV exact at ${ok.filter((r) => r.error.weights === 0 && r.error.kv === 0).length}; ` +
        `real-shape compute within ${100 * COMPUTE_TOL} % at ${real.filter((r) => Math.abs(r.error.compute) <= COMPUTE_TOL).length}, ` +
        `total within ${100 * TOTAL_TOL} % at ${real.filter((r) => Math.abs(r.error.total) <= TOTAL_TOL).length}`);
    for (const m of misses) console.log(`MISS ${m}`);
    return misses.length === 0 ? 0 : 1;
}

function report(pointsPath, prefix, beforePath) {
    const {rows, ok, failed} = readPoints(pointsPath);
    const before = new Map(beforePath ? readPoints(beforePath).ok.map((r) => [pointKey(r), r]) : []);
    for (const r of ok) {
        const b = before.get(pointKey(r));
        if (b) r.before = {compute: b.vramfit.compute, error: {compute: b.error.compute, total: b.error.total}};
    }
    const groups = {all: ok, real: ok.filter((r) => r.shape === "real"), tiny: ok.filter((r) => r.shape === "tiny")};
    const summary = {};
    for (const [g, rs] of Object.entries(groups)) {
        summary[g] = {points: rs.length};
        for (const t of TERMS) {
            const e = rs.map((r) => Math.abs(r.error[t])).filter(Number.isFinite);
            summary[g][t] = {median_abs: median(e), max_abs: e.length ? Math.max(...e) : NaN,
                exact: rs.filter((r) => r.error[t] === 0).length};
        }
        summary[g].compute.within_3pct = rs.filter((r) => Math.abs(r.error.compute) <= 0.03).length;
        const ec = rs.map((r) => Math.abs(r.error.compute_gpu));
        summary[g].compute_gpu = {median_abs: median(ec), max_abs: Math.max(...ec),
            within_3pct: rs.filter((r) => Math.abs(r.error.compute_gpu) <= 0.03).length};
        const rb = rs.filter((r) => r.before);
        if (rb.length) {
            summary[g].before = {points: rb.length};
            for (const t of ["compute", "total"]) {
                const e = rb.map((r) => Math.abs(r.before.error[t]));
                summary[g].before[t] = {median_abs: median(e), max_abs: Math.max(...e)};
            }
            summary[g].before.compute.within_3pct = rb.filter((r) => Math.abs(r.before.error.compute) <= 0.03).length;
        }
    }
    const perModel = {};
    for (const r of ok) {
        const k = `${r.model} ${r.quant}`;
        (perModel[k] ??= {model: r.model, quant: r.quant, shape: r.shape, architecture: r.architecture, rows: []}).rows.push(r);
    }
    const meta = rows.find((r) => r.node_llama_cpp) ?? {};
    fs.writeFileSync(`${prefix}.json`, JSON.stringify({schema_version: 1, kind: "llamacpp_oracle",
        node_llama_cpp: meta.node_llama_cpp, llama_cpp: meta.llama_cpp, summary, failed, points: ok}, null, 1) + "\n");

    const md = [];
    md.push(`node-llama-cpp ${meta.node_llama_cpp}, llama.cpp ${meta.llama_cpp} (CPU build), ${ok.length} grid points, ` +
        `${failed.length} failed. Error = (vramfit − llama.cpp) / llama.cpp; a difference within the ` +
        `0.005 MiB print resolution of llama.cpp's lines counts as 0.`, "");
    const hasBefore = Object.values(summary).some((s) => s.before);
    md.push("| group | points | weights median / max | KV median / max | KV exact | compute median / max | compute within 3 % | output median / max | total median / max | GPU-head formula: compute median / max | within 3 % |" +
        (hasBefore ? " before: compute median / max | before: within 3 % | before: total median / max |" : ""));
    md.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + (hasBefore ? "---:|---:|---:|" : ""));
    for (const [g, s] of Object.entries(summary)) {
        const c = (t, o = s) => `${apct(o[t].median_abs)} / ${apct(o[t].max_abs)}`;
        md.push(`| ${g} | ${s.points} | ${c("weights")} | ${c("kv")} | ${s.kv.exact} of ${s.points} | ${c("compute")} | ${s.compute.within_3pct} | ${c("output")} | ${c("total")} | ${c("compute_gpu")} | ${s.compute_gpu.within_3pct} |` +
            (s.before ? ` ${c("compute", s.before)} | ${s.before.compute.within_3pct} | ${c("total", s.before)} |` : hasBefore ? " | | |" : ""));
    }
    md.push("", "Per model (median / max of |error|; compute: worst signed error):", "");
    md.push("| model | arch | quant | points | weights | KV | compute | worst compute | output | total |" + (hasBefore ? " before: compute | before: worst compute |" : ""));
    md.push("|---|---|---|---:|---:|---:|---:|---:|---:|---:|" + (hasBefore ? "---:|---:|" : ""));
    const worstOf = (rs, f) => rs.reduce((a, r) => (Math.abs(f(r)) > Math.abs(f(a)) ? r : a));
    for (const pm of Object.values(perModel)) {
        const c = (t, f = (r) => r.error[t]) => { const e = pm.rows.map((r) => Math.abs(f(r))); return `${apct(median(e))} / ${apct(Math.max(...e))}`; };
        const worst = worstOf(pm.rows, (r) => r.error.compute);
        const b = pm.rows.every((r) => r.before);
        md.push(`| ${pm.model} | ${pm.architecture} | ${pm.quant} | ${pm.rows.length} | ${c("weights")} | ${c("kv")} | ${c("compute")} | ${pct(worst.error.compute)} | ${c("output")} | ${c("total")} |` +
            (b ? ` ${c("compute", (r) => r.before.error.compute)} | ${pct(worstOf(pm.rows, (r) => r.before.error.compute).before.error.compute)} |` : hasBefore ? " | |" : ""));
    }
    md.push("", "Real shapes, every point (MiB):", "");
    md.push("| model | ctx | seqs | ubatch | KV | FA | llama.cpp KV | vramfit KV | llama.cpp compute | vramfit compute | error | llama.cpp output | total error |" + (hasBefore ? " before: compute | before: error |" : ""));
    md.push("|---|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|" + (hasBefore ? "---:|---:|" : ""));
    for (const r of groups.real) {
        md.push(`| ${r.model} | ${r.context} | ${r.sequences} | ${r.llamacpp.n_ubatch} | ${r.kv} | ${r.flash_attention ? "on" : "off"} | ` +
            `${mib(r.llamacpp.kv)} | ${mib(r.vramfit.kv)} | ${mib(r.llamacpp.compute)} | ${mib(r.vramfit.compute)} | ${pct(r.error.compute)} | ` +
            `${mib(r.llamacpp.output)} | ${pct(r.error.total)} |` + (r.before ? ` ${mib(r.before.compute)} | ${pct(r.before.error.compute)} |` : hasBefore ? " | |" : ""));
    }
    const miss = ok.filter((r) => Math.abs(r.error.compute) > 0.03);
    md.push("", `Compute buffer misses over 3 %: ${miss.length} of ${ok.length} points.`, "");
    if (miss.length) {
        md.push("| model | ctx | seqs | ubatch | KV | FA | llama.cpp compute | vramfit compute | error |");
        md.push("|---|---:|---:|---:|---|---|---:|---:|---:|");
        for (const r of miss.slice(0, 60))
            md.push(`| ${r.model} | ${r.context} | ${r.sequences} | ${r.llamacpp.n_ubatch} | ${r.kv} | ${r.flash_attention ? "on" : "off"} | ` +
                `${mib(r.llamacpp.compute)} | ${mib(r.vramfit.compute)} | ${pct(r.error.compute)} |`);
        if (miss.length > 60) md.push(`| … ${miss.length - 60} more in the JSON | | | | | | | | |`);
    }
    if (failed.length) {
        md.push("", "Failed points:", "");
        for (const f of failed) md.push(`* ${f.model} ${f.quant} ctx ${f.context ?? "-"} seqs ${f.sequences ?? "-"}: ${f.error ?? f.vramfit?.error}`);
    }
    fs.writeFileSync(`${prefix}.md`, md.join("\n") + "\n");
    console.log(md.slice(0, 7).join("\n"));
}

const [cmd, ...args] = process.argv.slice(2);
if (cmd === "measure") await measure(args[0], args[1]);
else if (cmd === "again") again(args[0], args[1]);
else if (cmd === "report") report(args[0], args[1], args[2]);
else if (cmd === "check") process.exit(check(args[0]));
else {
    console.error("usage: node oracle.mjs measure VRAMFIT PLAN.json > POINTS.jsonl | again VRAMFIT POINTS.jsonl > NEW.jsonl | report POINTS.jsonl OUT_PREFIX [BEFORE.jsonl] | check POINTS.jsonl");
    process.exit(2);
}
