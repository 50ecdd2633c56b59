"""Calls the router the way an application would, with the official `openai` Python SDK; prints what it saw as JSON.

Usage: python openai_sdk_calls.py BASE_URL MODEL
"""

import json
import sys

import openai

base_url, model = sys.argv[1], sys.argv[2]
client = openai.OpenAI(base_url=f"{base_url}/v1", api_key="unused", max_retries=0, timeout=30)
seen = {}

seen["models"] = [m.id for m in client.models.list()]
seen["retrieved"] = client.models.retrieve(model).id
try:
    client.models.retrieve("no-such-model")
    seen["unknown_model"] = "answered"
except openai.NotFoundError as err:
    seen["unknown_model"] = {"status": err.status_code, "message": err.message}

chat = client.chat.completions.with_raw_response.create(
    model=model, messages=[{"role": "user", "content": "Say hello."}], max_tokens=8
)
completion = chat.parse()
seen["chat"] = {
    "mode": chat.headers.get("x-modeswitch-mode"),
    "text": completion.choices[0].message.content,
    "finish_reason": completion.choices[0].finish_reason,
    "completion_tokens": completion.usage.completion_tokens,
}

stream = client.chat.completions.create(
    model=model,
    messages=[{"role": "user", "content": "Count to five."}],
    max_tokens=8,
    stream=True,
    stream_options={"include_usage": True},
)
pieces, usage = [], None
for chunk in stream:
    pieces.extend(c.delta.content for c in chunk.choices if c.delta.content)
    usage = chunk.usage or usage
seen["stream"] = {"text": "".join(pieces), "completion_tokens": usage.completion_tokens if usage else None}

text = client.completions.create(model=model, prompt="Once upon a time", max_tokens=8)
seen["completion"] = {"text": text.choices[0].text, "completion_tokens": text.usage.completion_tokens}

try:
    client.chat.completions.create(model=model, messages=[], max_tokens=8)
    seen["bad_request"] = "answered"
except openai.BadRequestError as err:
    seen["bad_request"] = {"status": err.status_code}

print(json.dumps(seen))
