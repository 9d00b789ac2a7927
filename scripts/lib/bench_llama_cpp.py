"""llama-cpp-python on the same GGUF, same prompt, same thread count: the reference figures
for scripts/bench ai. Prints one JSON line like `openledger-ai bench base`."""
import json, statistics, sys, time

from llama_cpp import Llama

model_path, prompt_ids, decode_tokens, runs, threads = (
    sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
m = Llama(model_path=model_path, n_ctx=2048, n_threads=threads, n_threads_batch=threads,
          n_batch=512, verbose=False)
prefill, decode = [], []
for _ in range(runs):
    m.reset()
    t0 = time.perf_counter()
    m.eval(prompt_ids)
    prefill.append(len(prompt_ids) / (time.perf_counter() - t0))
    t1 = time.perf_counter()
    for _ in range(decode_tokens):
        tok = int(m.scores[m.n_tokens - 1].argmax())
        m.eval([tok])
    decode.append(decode_tokens / (time.perf_counter() - t1))
print(json.dumps({"bench": "llama_cpp", "prompt_tokens": len(prompt_ids),
                  "prefill_tok_s": statistics.median(prefill), "decode_tok_s": statistics.median(decode),
                  "threads": threads}))
