// Prints the log llama.cpp writes while loading a GGUF file and creating one context, through the CPU
// build shipped in node-llama-cpp (bench/llamacpp/node_modules; `npm ci` there first). How the fixture
// llamacpp_cpu_node_llama_cpp.log was made:
//   node tests/logs/capture_cpu_log.mjs FILE.gguf 4096 | grep -v '^llama_graph_n_input_tensors\|: dev = CPU$'
import path from "node:path";
import {fileURLToPath, pathToFileURL} from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const lib = path.join(here, "../../bench/llamacpp/node_modules/node-llama-cpp/dist/index.js");
const {getLlama, LlamaLogLevel} = await import(pathToFileURL(lib).href);
const [file, ctxSize = "4096"] = process.argv.slice(2);
if (!file) {
    process.stderr.write("usage: node capture_cpu_log.mjs FILE.gguf [CONTEXT]\n");
    process.exit(2);
}
const llama = await getLlama({
    gpu: false, build: "never", logLevel: LlamaLogLevel.debug,
    logger: (level, message) => {
        const m = message.trimEnd();
        // Per-tensor lines: thousands of them, no memory figures.
        if (!/^llama_model_loader: - tensor|load_tensors: layer|create_tensor/.test(m)) process.stdout.write(m + "\n");
    }
});
const model = await llama.loadModel({modelPath: file});
const context = await model.createContext({contextSize: Number(ctxSize), sequences: 1, batchSize: 512});
await context.dispose();
await model.dispose();
