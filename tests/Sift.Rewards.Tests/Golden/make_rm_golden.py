#!/usr/bin/env python3
"""Golden reward-model prompts, rendered the way the sources build them (independent of Sift's C#).

RLHFlow math-rm/prm_evaluate.py (L42-67): split the answer on "ки\n" (Mistral data) or "\n\n" (Deepseek data),
strip each step, turns user: prompt + " " + step0, assistant "+", user: step1, ...; tokenizer.apply_chat_template,
i.e. Jinja2 with Hugging Face's settings (trim_blocks, lstrip_blocks, loopcontrols). orm_evaluate.py (L45-57): one
user turn prompt + " " + answer.replace(" ки", ""), one assistant "+". Math-Shepherd (model card):
f"{question} {output}".

Usage: python3 make_rm_golden.py LLAMA31_TEMPLATE.jinja > rm_golden.json   (needs python3-jinja2)
"""
import json
import sys

from jinja2.sandbox import ImmutableSandboxedEnvironment


def hf_env():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def raise_exception(message):
        raise RuntimeError(message)

    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    return env


def prm_conversation(prompt, answer, split):
    steps = [s.strip() for s in answer.split(split)]
    conv = []
    for k, step in enumerate(steps):
        conv.append({"role": "user", "content": prompt + " " + step if k == 0 else step})
        conv.append({"role": "assistant", "content": "+"})
    return conv


def main():
    template = open(sys.argv[1], encoding="utf-8").read()
    t = hf_env().from_string(template)
    render = lambda conv: t.render(messages=conv, bos_token="<|begin_of_text|>", eos_token="<|eot_id|>", add_generation_prompt=False)
    cases = []
    q = "Janet has 3 apples and buys 2 more. How many apples does she have?"
    mistral = "Step 1: She starts with 3 apples. ки\nStep 2: 3 + 2 = 5. ки\nStep 3: The answer is: 5 ки"
    deepseek = "She starts with 3 apples.\n\nThen 3 + 2 = 5.\n\nThe answer is $\\boxed{5}$."
    # PR #53: the label of step k is read at len(ids of the conversation up to turn k) - 3.
    prefixes = lambda conv: [render(conv[: 2 * k + 2]) for k in range(len(conv) // 2)]
    for name, answer, split in [("prm_mistral", mistral, "ки\n"), ("prm_deepseek", deepseek, "\n\n")]:
        conv = prm_conversation(q, answer, split)
        cases.append({"name": name, "format": "rlhflow-prm", "question": q, "completion": answer,
                      "text": render(conv), "prefixes": prefixes(conv), "steps": len(conv) // 2})
    orm = [{"role": "user", "content": q + " " + mistral.replace(" ки", "")}, {"role": "assistant", "content": "+"}]
    cases.append({"name": "orm_mistral", "format": "rlhflow-orm", "question": q, "completion": mistral, "text": render(orm),
                  "prefixes": prefixes(orm), "steps": 1})
    cases.append({"name": "shepherd", "format": "math-shepherd", "question": q, "completion": " " + mistral + "\n",
                  "text": f"{q} {(' ' + mistral + chr(10)).strip()}", "steps": 3})
    json.dump(cases, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
