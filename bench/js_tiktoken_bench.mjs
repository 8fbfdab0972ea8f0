// js-tiktoken side of the tokenizer benchmark (run by bench/run_tokenizer.sh): encodes the same
// input file with o200k_base and cl100k_base, three runs each on one thread, and prints JSON
// {"o200k_base": {"median_s", "median_cpu_s", "runs_s", "tokens"}, ...} (CPU time too: the
// benchmark machine is shared). Special-token text is encoded as
// ordinary text, as doctown does.
import { readFileSync } from "node:fs";
import { getEncoding } from "js-tiktoken";

const text = readFileSync(process.argv[2], "utf8");
const out = {};
for (const name of ["o200k_base", "cl100k_base"]) {
  const enc = getEncoding(name);
  enc.encode("warm up the encoder", [], []);
  const runs = [];
  const cpu = [];
  let tokens = 0;
  for (let i = 0; i < 3; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    tokens = enc.encode(text, [], []).length;
    runs.push(Number(process.hrtime.bigint() - t0) / 1e9);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  const median = (v) => [...v].sort((a, b) => a - b)[1];
  out[name] = { median_s: median(runs), median_cpu_s: median(cpu), runs_s: runs, tokens };
}
console.log(JSON.stringify(out));
