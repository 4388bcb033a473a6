// Puts llama.cpp's measurements (measure.mjs) next to vramfit's estimates for the same model, mix and
// context on a CPU with this machine's measured bandwidth, and prints Markdown tables.
//
//   node compare.mjs VRAMFIT CATALOG_DIR RESULTS.json MEMBW.json [SPEED_YAML] > table.md
//
// Writes CATALOG_DIR/devices.yaml with the device `this-machine`, a CPU with the median bandwidth of
// MEMBW.json (membw.cpp at the start of the run), and asks `vramfit --catalog-dir CATALOG_DIR fit
// MODEL -q QUANT --device this-machine -c N --json` for memory and for the bytes a decoded token
// reads at position P (`decode[].bytes_read_per_token`: -c P gives the entry at position P).
//
// The bandwidth of a cloud VM drifts with the other tenants of its host, so measure.mjs measures it
// right before and after every timing; the bound of a row is vramfit's bytes per token over that
// bandwidth (vramfit's bound for a CPU-only run, bandwidth / bytes, evaluated at the bandwidth of the
// moment). The calibrated prediction applies include/vramfit/speed.hpp's decode formula with the
// `cpu` profile of SPEED_YAML (data/speed.yaml) to the same bytes and bandwidth:
//   seconds per token = bytes / (bandwidth x bandwidth_efficiency) + (layers + 1) x per_layer + per_token
import {execFileSync} from "node:child_process";
import fs from "node:fs";

const [vramfit, catalogDir, resultsPath, membwPath, speedYaml] = process.argv.slice(2);
const results = JSON.parse(fs.readFileSync(resultsPath, "utf8"));
const membw = JSON.parse(fs.readFileSync(membwPath, "utf8"));
const MiB = 1024 * 1024;

// The `cpu` decode profile of data/speed.yaml (the flow-style line `bench/accuracy --fit` writes).
function cpuProfile() {
    if (!speedYaml || !fs.existsSync(speedYaml)) return null;
    const m = fs.readFileSync(speedYaml, "utf8").match(/- id: cpu\n\s+backend: cpu\n\s+decode: \{bandwidth_efficiency: ([\d.]+), per_layer_us: ([\d.]+), per_token_us: ([\d.]+), band: \{low: ([\d.]+), high: ([\d.]+)\}/);
    return m ? {eta: +m[1], perLayerUs: +m[2], perTokenUs: +m[3], low: +m[4], high: +m[5]} : null;
}
const profile = cpuProfile();

fs.mkdirSync(catalogDir, {recursive: true});
fs.writeFileSync(`${catalogDir}/devices.yaml`, `# Written by bench/llamacpp/compare.mjs: this machine as a vramfit CPU device, with the median
# streaming-read bandwidth membw.cpp measured (${membw.threads} thread(s)) at the start of the run.
schema_version: 1
devices:
- id: this-machine
  name: This machine (measured streaming read, ${membw.threads} thread(s))
  vendor: cpu
  kind: cpu
  memory_gib: 24
  memory_bandwidth_gbs: ${membw.median_gbs}
  source: [bench/llamacpp/membw.cpp]
`);

const cache = new Map();
function fit(model, quant, context) {
    const key = `${model} ${quant} ${context}`;
    if (!cache.has(key)) {
        const out = execFileSync(vramfit, ["--catalog-dir", catalogDir, "fit", model, "-q", quant,
            "--device", "this-machine", "-c", String(Math.max(1, context)), "--json"], {encoding: "utf8"});
        cache.set(key, JSON.parse(out));
    }
    return cache.get(key);
}

// vramfit's bytes per decoded token at `position`, its bound and the calibrated prediction at `gbs`.
function decodeAt(model, quant, position, gbs) {
    const j = fit(model, quant, Math.max(1, position));
    const d = position === 0 ? j.decode[0] : j.decode[j.decode.length - 1];
    const bw = gbs * 1e9, bytes = d.bytes_read_per_token;
    const predicted = profile == null ? null
        : 1 / (bytes / (bw * profile.eta) + (j.total_layers * profile.perLayerUs + profile.perTokenUs) / 1e6);
    return {bytes, bound: bw / bytes, predicted};
}

const f2 = (x) => (x == null ? "n/a" : x.toFixed(2));
const pct = (measured, est) => (est == null ? "n/a" : `${(((measured - est) / est) * 100).toFixed(0)} %`);
const mib = (b) => (b == null ? "n/a" : (b / MiB).toFixed(2));

const speed = [];
speed.push("| model | quant | position | measured tok/s | fastest step | without output head | bandwidth then (GB/s) | bytes / token | vramfit bound | measured / bound | calibrated | error vs calibrated | llama.cpp on a core |");
speed.push("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
const memory = [];
memory.push("| model | quant | context | llama.cpp model buffer (MiB) | vramfit weights (MiB) | difference (bytes) | llama.cpp CPU_REPACK (MiB) | llama.cpp KV (MiB) | vramfit KV (MiB) | KV cells | llama.cpp compute (MiB) | vramfit compute (MiB) |");
memory.push("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");

for (const run of results.runs) {
    const mapped = run.model_buffers.model_CPU_Mapped ?? run.model_buffers.model_CPU ?? null;
    const seen = new Set();
    for (const c of run.contexts) {
        const j = fit(run.model, run.quant, c.context);
        if (!seen.has(c.context)) {
            seen.add(c.context);
            memory.push(`| ${run.model} | ${run.quant} | ${c.context} | ${mib(mapped)} | ${mib(j.host.weights_bytes)} | ` +
                `${mapped == null ? "n/a" : Math.round(mapped - j.host.weights_bytes)} | ${mib(run.model_buffers.model_CPU_REPACK)} | ` +
                `${mib(c.buffers.kv_CPU)} | ${mib(j.host.kv_bytes)} | ${c.buffers.kv_cells ?? "n/a"} | ` +
                `${mib(c.buffers.compute_CPU)} | ${mib(j.host.compute_bytes)} |`);
        }
        for (const s of c.steps) {
            if (s.position === undefined) continue;
            // The timed steps start after two warm-up steps: the middle one stands for the position.
            const at = s.logits_from_position + 2 + Math.floor(results.tokens / 2);
            const gbs = s.bandwidth_gbs ?? membw.median_gbs;
            const v = decodeAt(run.model, run.quant, at, gbs);
            const measured = 1000 / s.logits_wall_median_ms;
            speed.push(`| ${run.model} | ${run.quant} | ${at} | ${f2(measured)} | ${f2(1000 / s.logits_wall_min_ms)} | ` +
                `${f2(1000 / s.no_logits_wall_median_ms)} | ${gbs.toFixed(1)} | ${(v.bytes / 1e6).toFixed(0)} MB | ` +
                `${f2(v.bound)} | ${(measured / v.bound).toFixed(2)} | ${f2(v.predicted)} | ${pct(measured, v.predicted)} | ` +
                `${s.cpu_share_logits == null ? "?" : `${(100 * s.cpu_share_logits).toFixed(0)} %`} |`);
        }
    }
}

console.log(`Bandwidth at the start (device \`this-machine\`): ${membw.median_gbs} GB/s, streaming read, ` +
    `${membw.threads} thread(s), median of ${membw.passes} passes over ${membw.mib} MiB (best ${membw.best_gbs}).`);
console.log(`llama.cpp: node-llama-cpp ${results.node_llama_cpp}, llama.cpp release ${results.llama_cpp_release} ` +
    `(${results.build_type}), ${results.cpu_backend ?? "CPU backend ?"}; CPU ${results.cpu}, ` +
    `${results.cpu_math_cores} cores, llama.cpp threads ${results.threads.join(", ")}.\n`);
console.log("Decode: one token after `position` tokens, with logits and a greedy sample (median of the timed steps):\n");
if (profile) console.log(`Calibrated: data/speed.yaml \`cpu\` profile, bandwidth_efficiency ${profile.eta}, per_layer ${profile.perLayerUs} us, per_token ${profile.perTokenUs} us, band ${profile.low}-${profile.high}.\n`);
console.log(speed.join("\n"));
console.log("\nMemory: llama.cpp's log lines against vramfit's CPU-only estimate:\n");
console.log(memory.join("\n"));
