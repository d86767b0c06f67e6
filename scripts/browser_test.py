#!/usr/bin/env python3
"""Browser test of the imgsearch web page in headless Chromium (Python stdlib only).

Starts `imgsearch serve --index INDEX --port 0`, opens the page in headless Chromium driven
through the DevTools protocol (over --remote-debugging-pipe), and checks what a person would:
  1. the page loads and shows the item count;
  2. typing a query and pressing Enter shows 9 results whose images load (naturalWidth > 0),
     and the URL becomes shareable (?q=…);
  3. uploading an image (the file input, as the button does) shows results, the uploaded
     item's own image first;
  4. clicking a result searches by that image: the URL becomes ?like=ID and the results change;
  5. reloading the shared URL restores the same results.
Saves a screenshot of step 2 (default docs/screenshot.png, kept under 300 KB).

Usage: scripts/browser_test.py INDEX_DIR [--model MODEL_DIR] [--binary .build/release/imgsearch] [--query TEXT]
                               [--screenshot docs/screenshot.png] [--url http://127.0.0.1:PORT]
Exit code: 0 = all checks passed, 1 = a check failed, 2 = could not set up (no binary, no chromium).
"""
import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

TIMEOUT = 30.0


class CheckFailed(Exception):
    pass


# MARK: - DevTools protocol over a pipe (fd 3 = commands in, fd 4 = replies out, NUL-separated JSON)

class DevTools:
    def __init__(self, chromium, width, height):
        self.profile = tempfile.mkdtemp(prefix="imgsearch-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        os.set_inheritable(to_browser_r, True)
        os.set_inheritable(from_browser_w, True)

        def wire_fds():  # the child reads commands on fd 3 and writes replies on fd 4
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self.process = subprocess.Popen(
            [chromium, "--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
             "--no-first-run", "--no-default-browser-check", "--hide-scrollbars", "--mute-audio",
             f"--user-data-dir={self.profile}", f"--window-size={width},{height}", "about:blank"],
            preexec_fn=wire_fds, pass_fds=(3, 4),  # kept open after wire_fds ran
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.session = None

    def command(self, method, params=None, session=True):
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            reply = self._read_message()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise CheckFailed(f"DevTools {method}: {reply['error']}")
                return reply.get("result", {})
        raise CheckFailed(f"DevTools {method}: no reply in {TIMEOUT} s")

    def _read_message(self):
        while b"\0" not in self._buffer:
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise CheckFailed("Chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def open_page(self, width, height):
        target = self.command("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.command("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        self.command("Page.enable")
        self.command("Runtime.enable")
        self.command("Emulation.setDeviceMetricsOverride",
                     {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def evaluate(self, expression):
        result = self.command("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise CheckFailed(f"page script failed: {details.get('exception', {}).get('description') or details.get('text')}: {expression[:80]}")
        return result["result"].get("value")

    def wait_for(self, expression, what):
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            if self.evaluate(expression):
                return
            time.sleep(0.1)
        shown_error = self.evaluate("document.getElementById('error').textContent")
        raise CheckFailed(f"timed out waiting for {what}; error box: {shown_error!r}")

    def close(self):
        try:
            self.command("Browser.close", session=False)
            self.process.wait(timeout=10)
        except Exception:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


# MARK: - Page queries

RESULT_IDS = "Array.from(document.querySelectorAll('#results a.card')).map(c => c.dataset.id)"
IMAGES_LOADED = """(() => {
  const images = Array.from(document.querySelectorAll('#results a.card img'));
  return images.length === 9 && images.every(i => i.complete && i.naturalWidth > 0);
})()"""


def wait_for_nine_images(page, what):
    page.wait_for(IMAGES_LOADED, f"9 result images to load after {what}")
    widths = page.evaluate("Array.from(document.querySelectorAll('#results a.card img')).map(i => i.naturalWidth)")
    print(f"  ok: 9 results with loaded images after {what} (naturalWidth {min(widths)}–{max(widths)} px)")


def press_enter(page):
    for kind in ("keyDown", "keyUp"):
        page.command("Input.dispatchKeyEvent", {"type": kind, "key": "Enter", "code": "Enter",
                                                "windowsVirtualKeyCode": 13, "text": "\r" if kind == "keyDown" else ""})


def click(page, selector):
    box = page.evaluate(f"(() => {{ const r = document.querySelector({json.dumps(selector)}).getBoundingClientRect();"
                        " return [r.x + r.width / 2, r.y + r.height / 2]; })()")
    for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
        page.command("Input.dispatchMouseEvent", {"type": kind, "x": box[0], "y": box[1], "button": "left", "clickCount": 1})


def save_screenshot(page, path, scale, limit=300_000):
    page.evaluate("document.activeElement.blur()")
    page.evaluate("window.scrollTo(0, 0)")
    time.sleep(0.4)  # let the fade-in of the images finish
    width, height = page.evaluate("[document.documentElement.clientWidth, window.innerHeight]")
    clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": scale}  # scaled down to fit the size budget
    data = base64.b64decode(page.command("Page.captureScreenshot", {"format": "png", "clip": clip})["data"])
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "wb") as file:
        file.write(data)
    if len(data) > limit:
        raise CheckFailed(f"screenshot {path} is {len(data)} bytes, over the {limit} byte budget")
    print(f"  ok: screenshot {path} ({len(data) // 1024} KB)")


# MARK: - The test

def start_server(binary, index, model):
    server = subprocess.Popen([binary, "serve", "--index", index, "--port", "0"] + (["--model", model] if model else []),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 120  # opening an index loads the model
    while time.time() < deadline:
        line = server.stdout.readline()
        if not line:
            break
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if match:
            return server, f"http://127.0.0.1:{match.group(1)}"
    server.kill()
    raise CheckFailed("the server did not report its address")


def run(args):
    server, base = (None, args.url.rstrip("/")) if args.url else start_server(args.binary, args.index, args.model)
    page = None
    try:
        health = json.load(urllib.request.urlopen(f"{base}/healthz", timeout=10))
        if health["items"] < 9:
            raise CheckFailed(f"the index has {health['items']} items; the test needs at least 9")
        page = DevTools(args.chromium, 1100, 1020)
        page.open_page(1100, 1020)

        print("1. load the page")
        page.command("Page.navigate", {"url": f"{base}/"})
        page.wait_for("document.readyState === 'complete' && document.getElementById('item-count').textContent !== ''",
                      "the page and its item count")
        print("  ok: " + page.evaluate("document.getElementById('item-count').textContent"))

        print(f"2. type “{args.query}” and press Enter")
        page.evaluate("document.getElementById('query').focus()")
        page.command("Input.insertText", {"text": args.query})
        press_enter(page)
        wait_for_nine_images(page, "the text query")
        url = page.evaluate("location.search")
        if url != "?q=" + urllib.parse.quote(args.query, safe=""):
            raise CheckFailed(f"URL does not reflect the query: {url}")
        text_results = page.evaluate(RESULT_IDS)
        print(f"  ok: URL is shareable ({url})")
        save_screenshot(page, args.screenshot, args.screenshot_scale)

        print("3. upload an image")
        first = text_results[0]
        with urllib.request.urlopen(f"{base}/images/{urllib.parse.quote(first, safe='')}", timeout=10) as reply:
            suffix = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}.get(reply.headers["Content-Type"], ".img")
            upload = os.path.join(page.profile, "upload" + suffix)
            with open(upload, "wb") as file:
                file.write(reply.read())
        document = page.command("DOM.getDocument")["root"]["nodeId"]
        file_input = page.command("DOM.querySelector", {"nodeId": document, "selector": "#file-input"})["nodeId"]
        page.command("DOM.setFileInputFiles", {"nodeId": file_input, "files": [upload]})
        page.wait_for("document.getElementById('query-text').textContent.startsWith('Images like')", "the upload to be searched")
        wait_for_nine_images(page, "the upload")
        upload_results = page.evaluate(RESULT_IDS)
        if upload_results[0] != first:
            raise CheckFailed(f"uploading the image of {first!r} should find it first, got {upload_results[:3]}")
        print(f"  ok: the uploaded image of {first!r} is the first result")

        print("4. click a result")
        clicked = upload_results[1]
        click(page, "#results a.card:nth-child(2)")
        page.wait_for(f"location.search === '?like=' + encodeURIComponent({json.dumps(clicked)})", "the URL to show ?like=")
        page.wait_for(f"JSON.stringify({RESULT_IDS}) !== {json.dumps(json.dumps(upload_results, separators=(',', ':')))}",
                      "the results to change")
        wait_for_nine_images(page, "the click")
        similar_results = page.evaluate(RESULT_IDS)
        if clicked in similar_results:
            raise CheckFailed("more-like-this results contain the clicked item itself")
        print(f"  ok: results changed to items like {clicked!r}")

        print("5. reload the shared URL")
        page.command("Page.reload")
        page.wait_for(f"document.readyState === 'complete' && JSON.stringify({RESULT_IDS}) === "
                      f"{json.dumps(json.dumps(similar_results, separators=(',', ':')))}", "the same results after a reload")
        print("  ok: the URL restores the results")
    finally:
        if page:
            page.close()
        if server:
            stop_server(server)


def stop_server(server):
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        raise CheckFailed("the server did not shut down within 15 s of SIGTERM")
    if server.returncode != 0:
        raise CheckFailed(f"the server exited with status {server.returncode} on SIGTERM")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("index", help="index directory made by `imgsearch index` (at least 9 items)")
    parser.add_argument("--binary", default=".build/release/imgsearch")
    parser.add_argument("--model", help="model directory, when the index does not record its model")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    parser.add_argument("--query", default="red")
    parser.add_argument("--screenshot", default="docs/screenshot.png")
    parser.add_argument("--screenshot-scale", type=float, default=0.75)
    parser.add_argument("--url", help="test a server already running at this URL instead of starting one")
    args = parser.parse_args()
    if (not args.url and not os.access(args.binary, os.X_OK)) or not shutil.which(args.chromium):
        print(f"browser test: needs an executable {args.binary} and {args.chromium}", file=sys.stderr)
        return 2
    try:
        run(args)
    except CheckFailed as failure:
        print(f"browser test FAILED: {failure}", file=sys.stderr)
        return 1
    print("browser test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
