"""tweepy 4.17 StreamingClient against the emulator, with only its host redirected.

Usage: tweepy_interop.py BASE_URL BEARER_TOKEN RULE_VALUE N
Prints one JSON object summarising what tweepy saw.
"""
import json
import sys

import requests
import tweepy

BASE, TOKEN, RULE, N = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

# tweepy hard-codes https://api.twitter.com; send those requests to the emulator instead.
_request = requests.Session.request


def redirected(self, method, url, *args, **kwargs):
    for prefix in ("https://api.twitter.com", "https://api.x.com"):
        if isinstance(url, str) and url.startswith(prefix):
            url = BASE + url[len(prefix):]
    return _request(self, method, url, *args, **kwargs)


requests.Session.request = redirected


class Collector(tweepy.StreamingClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.responses = []
        self.errors = []
        self.keep_alives = 0

    def on_response(self, response):
        self.responses.append({
            "id": str(response.data.id),
            "text": response.data.text,
            "author_id": str(response.data.author_id) if response.data.author_id else None,
            "users": [str(u.id) for u in response.includes.get("users", [])],
            "matching_rules": [{"id": str(r.id), "tag": r.tag} for r in response.matching_rules],
        })
        if len(self.responses) >= N:
            self.disconnect()

    def on_keep_alive(self):
        self.keep_alives += 1

    def on_request_error(self, status_code):
        self.errors.append(status_code)
        self.disconnect()

    def on_connection_error(self):
        self.errors.append("connection error")
        self.disconnect()

    def on_exception(self, exception):
        self.errors.append(repr(exception))


client = Collector(TOKEN, wait_on_rate_limit=False, max_retries=1)
summary = {"tweepy_version": tweepy.__version__}

added = client.add_rules([tweepy.StreamRule(RULE, tag="interop"), tweepy.StreamRule(RULE + " extra")])
summary["added"] = [{"id": str(r.id), "value": r.value, "tag": r.tag} for r in (added.data or [])]
summary["add_summary"] = added.meta.get("summary")
dup = client.add_rules(tweepy.StreamRule(RULE))
summary["duplicate_errors"] = dup.errors

listed = client.get_rules()
summary["listed"] = [{"id": str(r.id), "value": r.value, "tag": r.tag} for r in (listed.data or [])]

client.filter(tweet_fields=["author_id"], expansions=["author_id"])
summary["responses"] = client.responses
summary["stream_errors"] = client.errors

ids = [r["id"] for r in summary["added"]]
deleted = client.delete_rules(ids)
summary["delete_summary"] = deleted.meta.get("summary")
after = client.get_rules()
summary["after_delete"] = len(after.data or [])

print(json.dumps(summary))
