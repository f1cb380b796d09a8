#!/usr/bin/env python3
"""Loopback HTTP server for the fetcher's root tests.

    fetch_server.py DIR   serves DIR on 127.0.0.1 (an ephemeral port, printed as
                          "listening on 127.0.0.1:PORT"), after writing its fixtures there.

/files/NAME   the file DIR/NAME (404 when missing)
/slow/NAME    the same after 1 s (so that two fetches overlap)
/stall/NAME   accepts, reads the request, sends nothing for up to 60 s
Every request line is appended to DIR/requests.log.
"""
import http.server
import io
import os
import sys
import tarfile
import threading
import time
import zipfile

root = sys.argv[1]
lock = threading.Lock()


def add(tar, name, data, mode=0o644, kind=tarfile.REGTYPE, link=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.linkname = link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def fixtures():
    with open(os.path.join(root, "hello.txt"), "w") as f:
        f.write("hello from http\n")
    with tarfile.open(os.path.join(root, "app.tar.gz"), "w:gz") as tar:
        add(tar, "tar-dir/", b"", 0o755, tarfile.DIRTYPE)
        add(tar, "tar-dir/inner.txt", b"from the tarball\n")
        add(tar, "tar-dir/tool.sh", b"#!/bin/sh\necho tool\n", 0o755)
    with zipfile.ZipFile(os.path.join(root, "app.zip"), "w") as z:
        z.writestr("zip-dir/inner.txt", "from the zip\n")
    with tarfile.open(os.path.join(root, "evil.tar.gz"), "w:gz") as tar:
        add(tar, "fine.txt", b"fine\n")
        add(tar, "../../../../../../../../" + root.lstrip("/") + "/escaped-dotdot", b"pwned\n")
    with tarfile.open(os.path.join(root, "evil-link.tar.gz"), "w:gz") as tar:
        add(tar, "a", b"", kind=tarfile.SYMTYPE, link=root)
        add(tar, "a/escaped-link", b"pwned\n")
    with open(os.path.join(root, "local.txt"), "w") as f:
        f.write("from a local file\n")
    with open(os.path.join(root, "script.sh"), "w") as f:
        f.write("#!/bin/sh\necho script ran\n")
    for name in os.listdir(root):
        os.chmod(os.path.join(root, name), 0o644)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args):
        pass

    def do_GET(self):
        with lock, open(os.path.join(root, "requests.log"), "a") as log:
            log.write(self.path + "\n")
        kind, _, name = self.path.lstrip("/").partition("/")
        if kind == "stall":
            time.sleep(60)
            return
        if kind == "slow":
            time.sleep(1)
        path = os.path.join(root, os.path.basename(name))
        if kind not in ("files", "slow") or not os.path.isfile(path):
            self.send_error(404)
            return
        with open(path, "rb") as f:
            data = f.read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


fixtures()
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print("listening on 127.0.0.1:%d" % server.server_address[1], flush=True)
server.serve_forever()
