"""Approved pairs as training files: JSONL in OpenAI's chat fine-tuning format, or CSV.

Both are generators over `.iterator()`, so the web view can stream them and the command can write them
with little memory whatever the number of pairs. The texts are the reviewer's edits when there are any.
"""

import csv
import io
import json

CSV_COLUMNS = ["id", "account", "thread_id", "subject", "client_sent_at", "client_text", "reply_text", "edited",
               "reviewed_by", "reviewed_at"]
CHUNK = 2000


def _rows(pairs):
    return pairs.select_related("account", "reviewed_by").iterator(chunk_size=CHUNK)


def chat_record(pair, *, system_prompt=""):
    messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
    messages += [
        {"role": "user", "content": pair.final_client_text},
        {"role": "assistant", "content": pair.final_reply_text},
    ]
    return {"messages": messages}


def jsonl_lines(pairs, *, system_prompt=""):
    for pair in _rows(pairs):
        yield json.dumps(chat_record(pair, system_prompt=system_prompt), ensure_ascii=False) + "\n"


def csv_lines(pairs):
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush():
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield flush()
    for pair in _rows(pairs):
        writer.writerow([
            pair.pk,
            pair.account.address,
            pair.thread_id,
            pair.subject,
            pair.client_sent_at.isoformat() if pair.client_sent_at else "",
            pair.final_client_text,
            pair.final_reply_text,
            "yes" if pair.is_edited else "no",
            pair.reviewed_by.get_username() if pair.reviewed_by else "",
            pair.reviewed_at.isoformat() if pair.reviewed_at else "",
        ])
        yield flush()
