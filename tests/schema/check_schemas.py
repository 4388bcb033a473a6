#!/usr/bin/env python3
"""Checks the JSON Schemas of data/schema/ (docs/json.md "Schemas"):

1. every schema is a valid draft 2020-12 schema;
2. every golden JSON document of tests/cli/golden/ (a .out file that parses as an object with
   "schema_version") is valid against the schema of its "kind", and against vramfit.schema.json
   (the dispatch by kind); a kind without a schema fails;
3. every data/*.yaml catalog is valid against the schema its first line names
   (# yaml-language-server: $schema=schema/NAME.schema.json);
4. the complete YAML files of docs/catalog-format.md (```yaml blocks with schema_version) are valid
   against the schema of their file;
5. with --vramfit BINARY: the "bench" document, which no golden can hold (it measures a live server),
   from `vramfit bench --json` against a fake Ollama server run here (fixed counts and durations).

The goldens are checked strictly: an object schema that lists its "properties" accepts no other key
here (the published schemas allow keys added within schema_version 1), so a key the program writes
and the schema does not list fails this test. "integer" is strict too: 1.0 is not an integer.

Usage: check_schemas.py SOURCE_DIR [--vramfit BINARY] [--only-goldens FILE...]
Exit 0 ok, 1 problems, 77 when python3-jsonschema or python3-yaml is missing (CTest SKIP_RETURN_CODE).
"""
import http.server
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import threading
import time
import warnings

SKIP = 77
warnings.filterwarnings("ignore", category=DeprecationWarning)  # RefResolver: kept for Debian 12's jsonschema 4.10
try:
    import jsonschema
    from jsonschema import Draft202012Validator
    from jsonschema.validators import RefResolver, extend
except ImportError:
    print("SKIP: python3-jsonschema is not installed (Debian: apt-get install python3-jsonschema)")
    sys.exit(SKIP)
try:
    import yaml
except ImportError:
    print("SKIP: python3-yaml is not installed (Debian: apt-get install python3-yaml)")
    sys.exit(SKIP)

YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 10x faster on models.yaml
FIRST_LINE = re.compile(r"^# yaml-language-server: \$schema=(schema/[A-Za-z0-9_.-]+\.schema\.json)\n")


def strict_integer(checker, instance):
    # JSON Schema counts 1.0 as an integer; vramfit writes sizes and counts without a fraction part.
    return isinstance(instance, int) and not isinstance(instance, bool)


StrictValidator = extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", strict_integer),
)


def closed(schema):
    """A copy where every object schema with "properties" and "type": "object" accepts no other key."""
    if isinstance(schema, list):
        return [closed(x) for x in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: (v if k in ("const", "enum", "default", "examples") else closed(v)) for k, v in schema.items()}
    types = schema.get("type")
    is_object = types == "object" or (isinstance(types, list) and "object" in types)
    if is_object and "properties" in schema and "additionalProperties" not in schema \
            and "unevaluatedProperties" not in schema:
        out["additionalProperties"] = False
    return out


class Schemas:
    def __init__(self, directory):
        self.dir = directory
        self.raw = {}  # file name -> schema
        for f in sorted(directory.glob("*.schema.json")):
            self.raw[f.name] = json.loads(f.read_text())
        self.published = {self.uri(n): s for n, s in self.raw.items()}
        self.strict = {self.uri(n): closed(s) for n, s in self.raw.items()}

    def uri(self, name):
        return (self.dir / name).resolve().as_uri()

    def validator(self, name, strict):
        store = self.strict if strict else self.published
        schema = store[self.uri(name)]
        resolver = RefResolver(base_uri=self.uri(name), referrer=schema, store=store)
        cls = StrictValidator if strict else Draft202012Validator
        return cls(schema, resolver=resolver)


def leaf_errors(error):
    """The error worth printing: the deepest one of anyOf / oneOf / if-then branches, leaving out
    the "is not of type 'null'" of an optional value's null branch."""
    if not error.context:
        return [error]
    candidates = [e for e in error.context if not (e.validator == "type" and e.validator_value == "null")]
    candidates = candidates or list(error.context)
    deepest = max(candidates, key=lambda e: (len(e.absolute_path), e.validator != "type"))
    return leaf_errors(deepest)


def short(text, limit=200):
    return text if len(text) <= limit else text[:limit] + " ..."


def report(where, validator, instance, problems):
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        for leaf in leaf_errors(error):
            problems.append(f"{where}: {leaf.json_path}: {short(leaf.message)}")


def check_schemas(schemas, problems):
    for name, schema in schemas.raw.items():
        try:
            Draft202012Validator.check_schema(schema)
        except jsonschema.exceptions.SchemaError as e:
            problems.append(f"data/schema/{name}: not a valid schema: {e.json_path}: {e.message}")
        # Every $ref must resolve (a typo in a definition name is otherwise only found by a document
        # that reaches it).
        resolver = RefResolver(base_uri=schemas.uri(name), referrer=schema, store=schemas.published)

        def walk(node, path):
            if isinstance(node, dict):
                if isinstance(node.get("$ref"), str):
                    try:
                        resolver.resolve(node["$ref"])
                    except jsonschema.exceptions.RefResolutionError as e:
                        problems.append(f"data/schema/{name}: {path}: $ref {node['$ref']} does not resolve: {e}")
                for k, v in node.items():
                    walk(v, f"{path}/{k}")
            elif isinstance(node, list):
                for i, v in enumerate(node):
                    walk(v, f"{path}/{i}")
        walk(schema, "#")


def check_goldens(schemas, source, files, problems):
    kinds = {}
    dispatch = schemas.validator("vramfit.schema.json", strict=False)
    for f in files:
        try:
            document = json.loads(f.read_text())
        except (ValueError, UnicodeDecodeError):
            continue
        if not isinstance(document, dict) or "schema_version" not in document:
            continue
        kind = document.get("kind")
        where = os.path.relpath(f, source)
        name = f"{kind}.schema.json"
        if not isinstance(kind, str) or name not in schemas.raw:
            problems.append(f"{where}: no schema for kind {kind!r} (add data/schema/{kind}.schema.json)")
            continue
        kinds[kind] = kinds.get(kind, 0) + 1
        before = len(problems)
        report(where, schemas.validator(name, strict=True), document, problems)
        if len(problems) == before:  # the dispatch by kind reaches the same schema
            report(where + " (vramfit.schema.json)", dispatch, document, problems)
    return kinds


def check_catalogs(schemas, data_dir, problems):
    checked = 0
    for f in sorted(data_dir.glob("*.yaml")):
        where = f"data/{f.name}"
        text = f.read_text()
        m = FIRST_LINE.match(text)
        if not m:
            problems.append(f"{where}:1: the first line must be '# yaml-language-server: $schema=schema/NAME.schema.json'")
            continue
        name = pathlib.PurePosixPath(m.group(1)).name
        if name not in schemas.raw:
            problems.append(f"{where}:1: names {m.group(1)}, which does not exist")
            continue
        report(where, schemas.validator(name, strict=False), yaml.load(text, Loader=YamlLoader), problems)
        checked += 1
    return checked


def check_doc_examples(schemas, doc, problems):
    """The ```yaml blocks of docs/catalog-format.md that are whole files (they hold schema_version)."""
    checked = 0
    text = doc.read_text()
    # The block's file: the nearest "## `NAME.yaml`"-style heading above it.
    for m in re.finditer(r"```yaml\n(.*?)```", text, re.S):
        block = m.group(1)
        if not re.search(r"^schema_version:", block, re.M):
            continue
        line = text.count("\n", 0, m.start()) + 1
        headings = re.findall(r"^#+ .*?`?([a-z]+)\.yaml`?", text[:m.start()], re.M)
        first = re.match(r"# yaml-language-server: \$schema=(\S+)\n", block)
        name = pathlib.PurePosixPath(first.group(1)).name if first else (headings[-1] + ".yaml.schema.json" if headings else "")
        if name not in schemas.raw:
            problems.append(f"docs/catalog-format.md:{line}: a complete YAML file, but which catalog file is it? ({name!r})")
            continue
        try:
            document = yaml.safe_load(block)
        except yaml.YAMLError as e:
            problems.append(f"docs/catalog-format.md:{line}: not YAML: {e}")
            continue
        report(f"docs/catalog-format.md:{line}", schemas.validator(name, strict=False), document, problems)
        checked += 1
    return checked


class FakeOllama(http.server.BaseHTTPRequestHandler):
    """Answers as Ollama does (api/types.go), with counts and durations that do not depend on time:
    one prompt token per word, every asked token generated at 100 tok/s, the prompt at 1000 tok/s."""
    MODEL = "llama3.1:8b"

    def log_message(self, *args):
        pass

    def answer(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/api/tags":
            return self.answer({"models": [{"name": self.MODEL}]})
        if self.path == "/api/version":
            return self.answer({"version": "0.9.0"})
        if self.path == "/api/ps":
            return self.answer({"models": [{"name": self.MODEL, "size": 6654289920, "size_vram": 6654289920}]})
        self.send_error(404)

    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if self.path == "/api/show":
            return self.answer({"details": {"family": "llama", "parameter_size": "8.0B", "quantization_level": "Q4_K_M"},
                                "model_info": {"llama.context_length": 131072}})
        if self.path == "/api/generate":
            prompt = len(request.get("prompt", "").split())
            generated = int(request.get("options", {}).get("num_predict", 16))
            return self.answer({"model": self.MODEL, "done": True, "prompt_eval_count": prompt,
                                "prompt_eval_duration": prompt * 1000000, "eval_count": generated,
                                "eval_duration": generated * 10000000, "load_duration": 500000000})
        self.send_error(404)


def check_bench(schemas, vramfit, problems):
    """vramfit bench --json against FakeOllama, validated as the goldens are; returns 1 when checked."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeOllama)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    args = [vramfit, "bench", "--server", url, "--runs", "2", "--warmup", "1", "--max-tokens", "16",
            "--prompt-tokens", "64", "--predict", "llama-3.1-8b", "--device", "rtx-4090", "--json"]
    try:
        with tempfile.TemporaryDirectory() as data_dir:  # no saved runs read or written
            env = dict(os.environ, VRAMFIT_DATA_DIR=data_dir, NO_COLOR="1")
            run = subprocess.run(args, capture_output=True, text=True, timeout=120, env=env)
    finally:
        server.shutdown()
    where = "vramfit bench --json (fake Ollama server)"
    if run.returncode != 0:
        problems.append(f"{where}: exit {run.returncode}: {run.stderr.strip()}")
        return 0
    document = json.loads(run.stdout)
    report(where, schemas.validator("bench.schema.json", strict=True), document, problems)
    report(where + " (vramfit.schema.json)", schemas.validator("vramfit.schema.json", strict=False), document, problems)
    if document.get("prediction") is None:
        problems.append(f"{where}: no prediction ({document.get('prediction_skipped')}): the prediction object is not checked")
    return 1


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    source = pathlib.Path(argv[1])
    start = time.monotonic()
    schemas = Schemas(source / "data" / "schema")
    problems = []
    check_schemas(schemas, problems)
    if "--only-goldens" in argv:
        files = [pathlib.Path(f) for f in argv[argv.index("--only-goldens") + 1:] if not f.startswith("--")]
    else:
        files = sorted((source / "tests" / "cli" / "golden").glob("*.out"))
    kinds = check_goldens(schemas, source, files, problems)
    yaml_files = check_catalogs(schemas, source / "data", problems) if "--only-goldens" not in argv else 0
    examples = check_doc_examples(schemas, source / "docs" / "catalog-format.md", problems) if "--only-goldens" not in argv else 0
    bench = 0
    if "--vramfit" in argv:
        bench = check_bench(schemas, argv[argv.index("--vramfit") + 1], problems)
    for p in problems:
        print(p)
    documents = sum(kinds.values())
    print(f"{len(schemas.raw)} schemas; {documents} golden documents of {len(kinds)} kinds "
          f"({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}); {yaml_files} catalog files; "
          f"{examples} docs examples; {bench} bench run; {len(problems)} problems; {time.monotonic() - start:.2f} s")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
