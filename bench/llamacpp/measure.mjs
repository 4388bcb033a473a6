// Loads GGUF files with the llama.cpp CPU build shipped in node-llama-cpp, records llama.cpp's own
// buffer-size log lines, and times single-token decode steps at a few context positions.
//
//   node measure.mjs --check FILE...             load each, a 256-token context, decode 4 tokens; exit 0 if ok
//   node measure.mjs PLAN.json > RESULTS.json    the measurements of a plan (see run.sh)
//
// A plan: {"threads": [1, 2], "tokens": 16, "attempts": 3, "membw": "path/to/membw",
//          "runs": [{"file": F, "model": ID, "quant": Q, "contexts": [{"size": 4096, "positions": [0, 2048]}]}]}
// Decode is timed two ways, each over `tokens` single-token steps after two warm-up steps:
//   no_logits  sequence.evaluateWithoutGeneratingNewTokens([t]): llama_decode without requesting
//              logits, so llama.cpp skips the output head (its output rows are empty)
//   logits     sequence.controlledEvaluate([[t, {generateNext: {token: true}}]]): llama_decode with the
//              logits of that token plus a greedy sample, i.e. one real generation step
// Positions are reached by evaluating that many tokens first (prefill, timed separately). When the plan
// names the membw binary, the bandwidth is measured right before and after each timing.
import {execFileSync} from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import process from "node:process";
import {getLlama, LlamaLogLevel} from "node-llama-cpp";

const MiB = 1024 * 1024;
const log = [];
const llama = await getLlama({
    gpu: false,
    build: "never", // never compile or download: the prebuilt CPU binaries or nothing
    logLevel: LlamaLogLevel.log, // info and the "loaded CPU backend" line; not the per-tensor debug lines
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

// CPU time (ms) the whole machine spent busy since boot, from /proc/stat (Linux); null elsewhere.
function machineBusyMs() {
    try {
        const f = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
        const idle = f[3] + (f[4] ?? 0);
        const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
        return ((total - idle) * 1000) / 100; // USER_HZ = 100
    } catch {
        return null;
    }
}

// While `fn` ran: other processes' share of the machine, (machine busy - this process) / (wall x cores),
// and this process's CPU time over the wall time (about 1 for one llama.cpp thread that was never
// made to wait for a core).
async function foreignLoad(fn) {
    const b0 = machineBusyMs(), c0 = process.cpuUsage(), t0 = performance.now();
    const r = await fn();
    const b1 = machineBusyMs(), c = process.cpuUsage(c0), wall = performance.now() - t0;
    const own = (c.user + c.system) / 1000;
    const foreign = b0 == null ? null : Math.max(0, (b1 - b0) - own) / (wall * os.cpus().length);
    return [r, foreign, own / wall];
}

// Waits (at most maxMs) for a second in which other processes use under `share` of the machine: on a
// shared 2-core machine compiles and tests running beside the benchmark distort every timing.
async function waitQuiet(share = 0.1, maxMs = 30000) {
    const t0 = performance.now();
    for (;;) {
        const [, f] = await foreignLoad(() => new Promise((r) => setTimeout(r, 1000)));
        if (f == null || f < share || performance.now() - t0 > maxMs) return f;
    }
}

// This machine's streaming-read bandwidth right now (membw.cpp, as many threads as llama.cpp), in GB/s:
// on a cloud VM it drifts with the other tenants of the host, so each timing gets its own.
function bandwidthNow(membw, threads) {
    if (!membw) return null;
    const out = execFileSync(membw, ["--threads", String(threads), "--mib", "512", "--passes", "6"], {encoding: "utf8"});
    return JSON.parse(out).median_gbs;
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

async function measureRun(run, threads, tokens, attempts, membw) {
    const first = log.length;
    const t0 = performance.now();
    const model = await llama.loadModel({modelPath: run.file, gpuLayers: 0});
    const loadMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 200)); // let the asynchronous log lines arrive
    const meta = model.fileInfo.metadata;
    const nVocab = meta?.[meta.general.architecture]?.vocab_size ?? 512;
    const result = {model: run.model, quant: run.quant, file: run.file, load_ms: loadMs,
        model_buffers: buffers(log.slice(first)), contexts: []};
    for (const c of run.contexts) {
        for (const th of threads) {
            const before = log.length;
            const ctx = await model.createContext({contextSize: c.size, batchSize: 512, threads: th,
                ignoreMemorySafetyChecks: true});
            const entry = {context: c.size, threads: th, buffers: {}, steps: []};
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
                // Up to `attempts` tries, each after waiting (briefly) for a quiet second; the try in which
                // llama.cpp's thread waited least for a core is kept (positions move on by 2 x (tokens + 2)).
                let step = null;
                for (let attempt = 0; attempt < attempts; attempt++) {
                    const load = os.loadavg()[0];
                    const quiet = await waitQuiet();
                    const bwBefore = bandwidthNow(membw, th);
                    const [noLogits, foreignNo, ownNo] = await foreignLoad(() => timeSteps(seq, tokens, nVocab, false, pos));
                    pos += tokens + 2;
                    const logitsFrom = pos;
                    const [withLogits, foreign, own] = await foreignLoad(() => timeSteps(seq, tokens, nVocab, true, pos));
                    pos += tokens + 2;
                    const bwAfter = bandwidthNow(membw, th);
                    const tried = {position: p, logits_from_position: logitsFrom, attempt, loadavg_1m: load,
                        bandwidth_gbs: bwBefore == null ? null : (bwBefore + bwAfter) / 2, bandwidth_before_gbs: bwBefore, bandwidth_after_gbs: bwAfter,
                        foreign_before: quiet, foreign_logits: foreign, foreign_no_logits: foreignNo,
                        cpu_share_logits: own, cpu_share_no_logits: ownNo,
                        ...summary("logits", withLogits), ...summary("no_logits", noLogits)};
                    // With one thread the process should hold one core: CPU time / wall time near th.
                    const undisturbed = (x) => Math.min(x.cpu_share_logits, x.cpu_share_no_logits) / th;
                    if (step == null || undisturbed(tried) > undisturbed(step)) step = tried;
                    if (undisturbed(step) > 0.9) break;
                }
                const foreign = step.foreign_logits;
                entry.steps.push(step);
                process.stderr.write(`${run.model} ${run.quant} ctx ${c.size} threads ${th} pos ${p}: with logits ` +
                    `${(1000 / step.logits_wall_median_ms).toFixed(2)} tok/s (wall median), ` +
                    `${(1000 / step.logits_wall_min_ms).toFixed(2)} (wall best), ${(1000 / step.logits_cpu_median_ms).toFixed(2)} (cpu); ` +
                    `without ${(1000 / step.no_logits_wall_median_ms).toFixed(2)}; bandwidth ${step.bandwidth_gbs?.toFixed(1) ?? "?"} GB/s (other processes: ${foreign == null ? "?" : (100 * foreign).toFixed(0)} % of the machine, ` +
                    `llama.cpp on a core ${(100 * step.cpu_share_logits).toFixed(0)} % of the time)\n`);
            }
            // llama.cpp's log lines reach JavaScript asynchronously: read them once they are all in.
            await new Promise((r) => setTimeout(r, 200));
            entry.buffers = buffers(log.slice(before));
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
    await new Promise((r) => setTimeout(r, 200)); // let the asynchronous log lines arrive
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
for (const run of plan.runs) out.runs.push(await measureRun(run, plan.threads, plan.tokens, plan.attempts ?? 3, plan.membw));
console.log(JSON.stringify(out, null, 1));
