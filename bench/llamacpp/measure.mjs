// Loads GGUF files with the llama.cpp CPU build shipped in node-llama-cpp, records llama.cpp's own
// buffer-size log lines, and times single-token decode steps at a few context positions.
//
//   node measure.mjs --check FILE                 load, one 256-token context, decode 4 tokens; exit 0 if ok
//   node measure.mjs PLAN.json > RESULTS.json     the measurements of a plan (see run.sh)
//
// A plan: {"threads": [1, 2], "tokens": 16, "runs": [{"file": F, "model": ID, "quant": Q,
//          "contexts": [{"size": 4096, "positions": [0, 2048]}]}]}
// Decode is timed two ways, each over `tokens` single-token steps after two warm-up steps:
//   no_logits  sequence.evaluateWithoutGeneratingNewTokens([t]): llama_decode without requesting
//              logits, so llama.cpp skips the output head (its output rows are empty)
//   logits     sequence.controlledEvaluate([[t, {generateNext: {token: true}}]]): llama_decode with the
//              logits of that token plus a greedy sample, i.e. one real generation step
// Positions are reached by evaluating that many tokens first (prefill, timed separately).
import fs from "node:fs";
import os from "node:os";
import process from "node:process";
import {getLlama, LlamaLogLevel} from "node-llama-cpp";

const MiB = 1024 * 1024;
const log = [];
const llama = await getLlama({
    gpu: false,
    build: "never", // never compile or download: the prebuilt CPU binaries or nothing
    logLevel: LlamaLogLevel.info,
    logger: (level, message) => log.push(message.trimEnd())
});

// "load_tensors:   CPU_Mapped model buffer size =  1234.56 MiB" and the like, as bytes (2 decimals of MiB).
function buffers(lines) {
    const out = {};
    for (const line of lines) {
        let m = line.match(/load_tensors:\s+(\S+) model buffer size =\s+([\d.]+) MiB/);
        if (m) out[`model_${m[1]}`] = Number(m[2]) * MiB;
        m = line.match(/llama_kv_cache:\s+(\S+) KV buffer size =\s+([\d.]+) MiB/);
        if (m) out[`kv_${m[1]}`] = Number(m[2]) * MiB;
        m = line.match(/(\S+)\s+compute buffer size =\s+([\d.]+) MiB/);
        if (m) out[`compute_${m[1]}`] = Number(m[2]) * MiB;
        m = line.match(/(\S+)\s+output buffer size =\s+([\d.]+) MiB/);
        if (m) out[`output_${m[1]}`] = Number(m[2]) * MiB;
        m = line.match(/llama_kv_cache: size =\s+[\d.]+ MiB \(\s*(\d+) cells/);
        if (m) out.kv_cells = Number(m[1]);
    }
    return out;
}

function median(xs) {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

// Ordinary-token ids (the writer's vocabulary: 0-2 special, 3-258 bytes, then placeholders).
const token = (i, vocab) => 259 + (i % Math.max(1, vocab - 259));

// Wall time and this process's CPU time (user + system) of each step, in ms. With one llama.cpp
// thread the CPU time is the step's time on a core, unaffected by other processes taking turns on
// the same cores; with more threads it also counts the threads' spin-waiting.
async function timeSteps(seq, n, vocab, withLogits, start) {
    const wall = [], cpu = [];
    for (let i = 0; i < n + 2; i++) {
        const t = token(start + i, vocab);
        const c = process.cpuUsage();
        const a = performance.now();
        if (withLogits) await seq.controlledEvaluate([[t, {generateNext: {token: true}}]]);
        else await seq.evaluateWithoutGeneratingNewTokens([t]);
        const w = performance.now() - a;
        const d = process.cpuUsage(c);
        if (i >= 2) {
            wall.push(w);
            cpu.push((d.user + d.system) / 1000);
        }
    }
    return {wall, cpu};
}

function summary(prefix, s) {
    return {
        [`${prefix}_wall_median_ms`]: median(s.wall),
        [`${prefix}_wall_min_ms`]: Math.min(...s.wall),
        [`${prefix}_cpu_median_ms`]: median(s.cpu),
        [`${prefix}_wall_ms`]: s.wall.map((x) => +x.toFixed(2))
    };
}

async function measureRun(run, threads, tokens) {
    const first = log.length;
    const t0 = performance.now();
    const model = await llama.loadModel({modelPath: run.file, gpuLayers: 0});
    const loadMs = performance.now() - t0;
    const meta = model.fileInfo.metadata;
    const nVocab = meta?.[meta.general.architecture]?.vocab_size ?? 512;
    const result = {model: run.model, quant: run.quant, file: run.file, load_ms: loadMs,
        model_buffers: buffers(log.slice(first)), contexts: []};
    for (const c of run.contexts) {
        const before = log.length;
        for (const th of threads) {
            const ctx = await model.createContext({contextSize: c.size, batchSize: 512, threads: th,
                ignoreMemorySafetyChecks: true});
            const ctxLog = log.slice(before);
            const entry = {context: c.size, threads: th, buffers: buffers(ctxLog), steps: []};
            const seq = ctx.getSequence();
            let pos = 0;
            for (const p of c.positions) {
                if (p > pos) {
                    const prompt = Array.from({length: p - pos}, (_, i) => token(pos + i, nVocab));
                    const a = performance.now();
                    await seq.evaluateWithoutGeneratingNewTokens(prompt);
                    entry.steps.push({prefill_tokens: p - pos, prefill_ms: performance.now() - a});
                    pos = p;
                }
                const load = os.loadavg()[0];
                const noLogits = await timeSteps(seq, tokens, nVocab, false, pos);
                pos += tokens + 2;
                const withLogits = await timeSteps(seq, tokens, nVocab, true, pos);
                pos += tokens + 2;
                const step = {position: p, loadavg_1m: load, ...summary("logits", withLogits), ...summary("no_logits", noLogits)};
                entry.steps.push(step);
                process.stderr.write(`${run.model} ${run.quant} ctx ${c.size} threads ${th} pos ${p}: with logits ` +
                    `${(1000 / step.logits_wall_median_ms).toFixed(2)} tok/s (wall median), ` +
                    `${(1000 / step.logits_wall_min_ms).toFixed(2)} (wall best), ${(1000 / step.logits_cpu_median_ms).toFixed(2)} (cpu); ` +
                    `without ${(1000 / step.no_logits_wall_median_ms).toFixed(2)} (load ${load.toFixed(1)})\n`);
            }
            await ctx.dispose();
            result.contexts.push(entry);
        }
    }
    await model.dispose();
    return result;
}

async function check(file) {
    const first = log.length;
    const model = await llama.loadModel({modelPath: file, gpuLayers: 0});
    const ctx = await model.createContext({contextSize: 256, threads: 1});
    const seq = ctx.getSequence();
    await seq.evaluateWithoutGeneratingNewTokens([1, 300, 301]);
    const [out] = await seq.controlledEvaluate([[302, {generateNext: {token: true}}]]);
    const b = buffers(log.slice(first));
    const ok = out?.next?.token != null && b.kv_cells > 0;
    console.log(JSON.stringify({file, ok, next_token: out?.next?.token ?? null, ...b}));
    await ctx.dispose();
    await model.dispose();
    return ok;
}

const args = process.argv.slice(2);
if (args[0] === "--check") {
    let ok = true;
    for (const f of args.slice(1)) ok = (await check(f)) && ok;
    process.exit(ok ? 0 : 1);
}
const plan = JSON.parse(fs.readFileSync(args[0], "utf8"));
const out = {
    node_llama_cpp: JSON.parse(fs.readFileSync(new URL("./node_modules/node-llama-cpp/package.json", import.meta.url))).version,
    llama_cpp_release: JSON.parse(fs.readFileSync(new URL("./node_modules/node-llama-cpp/llama/binariesGithubRelease.json", import.meta.url))).release,
    build_type: llama.buildType,
    cpu_backend: log.find((l) => l.includes("loaded CPU backend")) ?? null,
    system_info: llama.systemInfo,
    cpu_math_cores: llama.cpuMathCores,
    cpu: os.cpus()[0]?.model ?? "?",
    threads: plan.threads,
    tokens: plan.tokens,
    runs: []
};
for (const run of plan.runs) out.runs.push(await measureRun(run, plan.threads, plan.tokens));
console.log(JSON.stringify(out, null, 1));
