#!/usr/bin/env python3
"""Books seats through Evently's REST API with nothing but the Python standard library.

It reads the OpenAPI document at /api/openapi.json for what it needs and no more: the server
to call and the method and path of the three operations it uses (by operationId). Then it
lists the events, signs in and books.

    EVENTLY_EMAIL=... EVENTLY_PASSWORD=... python3 rest_booking.py [--url URL] [--event ID]
        [--quantity N]

Exit status: 0 booked, 1 refused by the API (its appCode and message on stderr), 2 bad usage.
"""

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid

OPERATIONS = ("events-list", "auth-login", "bookings-create")


class ApiError(Exception):
    """An error answer: `{ "error": { "appCode", "message", ... } }` with its HTTP status."""

    def __init__(self, status, body):
        error = body.get("error", {}) if isinstance(body, dict) else {}
        self.status = status
        self.app_code = error.get("appCode", "HTTP_%d" % status)
        self.message = error.get("message", "no error body")
        self.retry_after = None
        super().__init__("%s: %s" % (self.app_code, self.message))


def request(method, url, body=None, token=None):
    """One JSON request; the decoded answer, or ApiError."""
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = "Bearer " + token
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as answer:
        try:
            payload = json.load(answer)
        except ValueError:
            payload = None
        error = ApiError(answer.code, payload)
        error.retry_after = answer.headers.get("Retry-After")
        raise error from None


class Api:
    """The operations this script uses, as the document describes them."""

    def __init__(self, base_url):
        document_url = base_url.rstrip("/") + "/api/openapi.json"
        document = request("GET", document_url)
        # A server URL may be relative to the document (OpenAPI 3.1): "/api/v1".
        self.server = urllib.parse.urljoin(document_url, document["servers"][0]["url"])
        self.routes = {}
        for path, item in document["paths"].items():
            for method, operation in item.items():
                if isinstance(operation, dict) and operation.get("operationId") in OPERATIONS:
                    self.routes[operation["operationId"]] = (method.upper(), path)
        missing = [name for name in OPERATIONS if name not in self.routes]
        if missing:
            raise SystemExit("the API's document lacks " + ", ".join(missing))
        self.token = None

    def call(self, operation_id, path_params=None, query=None, body=None):
        method, path = self.routes[operation_id]
        for name, value in (path_params or {}).items():
            path = path.replace("{%s}" % name, urllib.parse.quote(value, safe=""))
        url = self.server.rstrip("/") + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        return request(method, url, body=body, token=self.token)


def money(cents, currency):
    return "%d.%02d %s" % (cents // 100, cents % 100, currency)


def main():
    parser = argparse.ArgumentParser(description="Book seats through Evently's REST API")
    parser.add_argument("--url", default=os.environ.get("EVENTLY_URL", "http://127.0.0.1:3000"))
    parser.add_argument("--event", help="the event to book (default: the first with seats left)")
    parser.add_argument("--quantity", type=int, default=1)
    args = parser.parse_args()
    email = os.environ.get("EVENTLY_EMAIL")
    password = os.environ.get("EVENTLY_PASSWORD")
    if not email or not password:
        parser.error("set EVENTLY_EMAIL and EVENTLY_PASSWORD")

    try:
        api = Api(args.url)
        events = api.call("events-list", query={"limit": 100})["items"]
        print("events:")
        for event in events:
            print("  %s  %s  %s  (%d left)" % (
                event["id"], event["startsAt"], event["title"],
                event["availability"]["available"]))
        candidates = [e for e in events if e["id"] == args.event] if args.event else [
            e for e in events
            if e["status"] == "published" and e["availability"]["available"] >= args.quantity
        ]
        if not candidates:
            print("no such event with seats left", file=sys.stderr)
            return 1
        event = candidates[0]

        api.token = api.call("auth-login", body={"email": email, "password": password})[
            "accessToken"]
        print("signed in as %s" % email)

        # The key makes a retry of this request (after a timeout, say) the same booking.
        booking = api.call("bookings-create", body={
            "eventId": event["id"],
            "quantity": args.quantity,
            "idempotencyKey": str(uuid.uuid4()),
        })
        hold = " until %s" % booking["expiresAt"] if booking.get("expiresAt") else ""
        print("booked %d x %s: booking %s %s%s, total %s" % (
            booking["quantity"], event["title"], booking["id"], booking["status"], hold,
            money(booking["totalCents"], booking["currency"])))
        return 0
    except ApiError as error:
        wait = " (retry after %s s)" % error.retry_after if error.retry_after else ""
        print("%s%s" % (error, wait), file=sys.stderr)
        return 1
    except urllib.error.URLError as error:
        print("cannot reach %s: %s" % (args.url, error.reason), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
