#!/usr/bin/env python3
"""Writes seed inputs for each fuzz target from the repository's own data (scripts/fuzz)."""
import os
import sqlite3
import sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
    sys.exit("usage: scripts/fuzz-seeds.py OUT-DIRECTORY  (writes one folder of seeds per fuzz target)")
out = Path(sys.argv[1])


def seed(target, name, data):
    folder = out / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode())


catalog = (root / "assets/catalog.csv").read_text()
lines = catalog.splitlines()
seed("catalog", "sample", "\n".join(lines[:30]) + "\n")
seed("catalog", "quoted", 'sku,gtin,name,unit_price,vat_rate,unit\n1,,"Kjeks, salte ""200 g""",2990,1500,PCS\r\n2,4001,Bananer,2990,1500,KG\n')
seed("catalog", "finland", "sku,gtin,name,unit_price,vat_rate,unit\n1,,Ruisleipä,350,1350,PCS\n2,,Kahvi,690,1400,PCS\n")

for name, text in [("vipps", "https://qr.vipps.no/28/2/01/031/4791234567?v=1"), ("token", "https://qr.vipps.no/p/7f3c9a2e5b1d4e8fa06c"),
                   ("mobilepay", "https://qr.mobilepay.dk/p/7f3c9a2e5b1d4e8fa06c"), ("phone", "+47 912 34 567"),
                   ("finnish", "040 123 4567"), ("gtin", "7040000000016"), ("garbage", "ht\x00tps:/\xff/qr")]:
    seed("customer", name, text)

# Boot-keyboard reports: modifier, reserved, six key slots.
def key(modifier, usage):
    return bytes([modifier, 0, usage, 0, 0, 0, 0, 0]) + bytes(8)
qr = b"".join(key(0x02 if c.isupper() else 0, 0x04 + ord(c.lower()) - 97) for c in "https" if c.isalpha())
seed("hid-keyboard", "letters", qr + key(0, 0x28))
seed("hid-keyboard", "digits", b"".join(key(0, 0x1E + int(d) - 1 if d != "0" else 0x27) for d in "7040000000016") + key(0, 0x28))
seed("hid-keyboard", "rollover", bytes([0, 0, 1, 1, 1, 1, 1, 1]) + key(0x40, 0x34) + key(0, 0x2C))

def pos(text):
    data = text.encode()
    reports = b""
    while True:
        chunk, data = data[:56], data[56:]
        report = bytes([2, len(chunk)]) + chunk
        report += bytes(63 - len(report)) + bytes([1 if data else 0])
        reports += report
        if not data:
            return reports
seed("hid-pos", "qr", pos("https://qr.mobilepay.fi/p/" + "c2a1d9e7f4b64a3e9d21" * 5))
seed("hid-pos", "ean", pos("7040000000016"))

readme = "".join(path.read_text() for path in [root / "README.md"] + sorted((root / "docs").glob("*.md")))
for index, block in enumerate(readme.split("```toml")[1:]):
    seed("config", "readme-%d" % index, block.split("```")[0])
seed("config", "legacy", "[till]\nmarket = NO\n[scanners]\ndevices = \"05e0:1200@1-1=cashier, 05e0:1200@1-2=kiosk\"\n")
seed("config", "tables", "[[scanners.device]]\nmatch = \"05e0\"\nrole = 'kiosk'\n[[staff]]\nid = 1\npin = \"x\"\n")

fixture = root / "Tests/Fixtures/journal-format1.sqlite"
if fixture.exists():
    connection = sqlite3.connect("file:%s?mode=ro" % fixture, uri=True)
    for sequence, payload in connection.execute("SELECT sequence, payload FROM entry"):
        seed("journal-entry", "format1-%02d" % sequence, payload)
seed("journal-entry", "format2", '{"format":2,"type":"payment-started","sale":1,"reference":"S-1-20261121-000001-1","attempt":1,"amount":4980,"currency":"NOK","createKey":"c","captureKey":"k","customer":"+47 ******67","lines":[]}')

seed("webhook", "vector",
     "X-Ms-Date: Thu, 30 Mar 2023 08:38:32 GMT\nx-ms-content-sha256: lNlsp1XA03N34HrQsVzPgJKtC+r7l/RBF4V3JQUWMj4=\n"
     "authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=agAiSyogQbDHpeucoNwYz+yAr5nJ+v+zasdkSbqzv+U=\n\n"
     '{"some-unique-content":"ee6e441b-cc4a-46f8-895d-a5af79bcc233/hello-world"}')

for name, text in [("price", "1 234,50"), ("weight", "0,734"), ("pieces", "12"), ("day", "21.11.2026"), ("iso", "2026-11-21"),
                   ("percent", "12,5"), ("reference", "OSLO1-3-20261121-000123-1")]:
    seed("typed-input", name, text)

# ESC/POS as the till sends it: styles, a code page, a barcode, a raster image, a status
# request, a cut; and the logo from assets/.
escpos = (b"\x1b@\x1bt\x13\x1ba\x01\x1bE\x01\x1d!\x01Salgskvittering\n\x1d!\x00\x1bE\x00\x1ba\x00"
          b"Bl\x86b\x91r \x92\x9d\x8f \x84\x94         12,50\n\x1dh\x50\x1dw\x02\x1dH\x02\x1dk\x49\x08{B000042"
          b"\x1dv0\x00\x02\x00\x02\x00\xff\x00\x0f\xf0\x10\x04\x01\x10\x04\x04\x1d(k\x03\x001P0AB\x1d(k\x03\x001Q0\x1dVB\x03")
seed("escpos", "receipt", escpos)
logo = root / "assets/logo.pbm"
if logo.exists():
    seed("escpos", "logo", logo.read_bytes())
