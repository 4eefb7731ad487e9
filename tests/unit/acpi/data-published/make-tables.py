#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Build the table images of one published machine from its hex dumps.

  tests/unit/acpi/data-published/make-tables.py DIR

DIR holds <SIG>.hex files: the "Raw Table Data" lines of ACPICA's iasl
disassembly (OFFSET: hex bytes), copied from the published dump named in
README.md. They are the firmware's bytes; this script checks each one's
length field and checksum, then writes <SIG>.dat.

Published dumps rarely keep physical addresses or the RSDP, so the script
also synthesises what the parser needs to reach the real tables: an RSDP
(revision 2), an RSDT and an XSDT listing the real tables, and a
header-only DSDT at the address the real FADT gives (the parser lists the
DSDT but never reads its AML). These carry creator id "CHRT" so nobody
mistakes them for firmware bytes. Addresses are in ADDRESSES below; the
real tables keep their own pointers (FADT -> DSDT), which is why the DSDT
stub goes where the FADT says. Writes DIR/index.txt like tools/acpi-extract.
"""
import re
import struct
import sys
from pathlib import Path

# Where each table sits in the fake memory. Only the DSDT address comes from
# the firmware (the FADT's X_DSDT); the rest are chosen.
ADDRESSES = {
    "msi-claw-a1m": {
        "RSDP": 0x655A0000, "RSDT": 0x655A0100, "XSDT": 0x655A0200,
        "FACP": 0x655A1000, "APIC": 0x655A2000, "HPET": 0x655A3000,
    },
    "surface-laptop-4-amd": {
        "RSDP": 0x7C7C0000, "RSDT": 0x7C7C0100, "XSDT": 0x7C7C0200,
        "FACP": 0x7C7C1000, "APIC": 0x7C7C2000, "HPET": 0x7C7C3000,
    },
}
REAL = ("FACP", "APIC", "HPET")
LINE = re.compile(r"\s*([0-9A-Fa-f]{4}):((?: [0-9A-Fa-f]{2})+)")


def read_hex(path):
    data = bytearray()
    for line in path.read_text().splitlines():
        m = LINE.match(line)
        if not m:
            continue
        if int(m.group(1), 16) != len(data):
            sys.exit(f"{path}: gap at offset {m.group(1)}")
        data += bytes(int(b, 16) for b in m.group(2).split())
    length = struct.unpack_from("<I", data, 4)[0]
    if length != len(data):
        sys.exit(f"{path}: length field {length}, {len(data)} bytes")
    if sum(data) & 0xFF:
        sys.exit(f"{path}: checksum does not add up: transcription error?")
    return bytes(data)


def fix_checksum(t, at=9, end=None):
    t = bytearray(t)
    t[at] = 0
    t[at] = (-sum(t[:end])) & 0xFF
    return bytes(t)


def header(sig, length, rev, oem_id, oem_table_id):
    return struct.pack("<4sIBB6s8sI4sI", sig.encode(), length, rev, 0,
                       oem_id, oem_table_id, 1, b"CHRT", 1)


def root_table(sig, entries, fmt, oem):
    body = b"".join(struct.pack(fmt, a) for a in entries)
    return fix_checksum(header(sig, 36 + len(body), 1, *oem) + body)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    d = Path(sys.argv[1])
    addr = ADDRESSES[d.resolve().name]
    tables = {sig: read_hex(d / f"{sig}.hex") for sig in REAL}
    facp = tables["FACP"]
    oem = (facp[10:16], facp[16:24])
    x_dsdt = struct.unpack_from("<Q", facp, 140)[0]
    addr["DSDT"] = x_dsdt or struct.unpack_from("<I", facp, 40)[0]

    out = {
        "RSDT": root_table("RSDT", [addr[s] for s in REAL], "<I", oem),
        "XSDT": root_table("XSDT", [addr[s] for s in REAL], "<Q", oem),
        "DSDT": fix_checksum(header("DSDT", 36, 2, *oem)),
    }
    rsdp = bytearray(struct.pack("<8sB6sBIIQB3s", b"RSD PTR ", 0, oem[0], 2,
                                 addr["RSDT"], 36, addr["XSDT"], 0, b"\0" * 3))
    rsdp = fix_checksum(rsdp, 8, 20)
    out["RSDP"] = fix_checksum(rsdp, 32, 36)
    out.update(tables)

    index = []
    for sig in ("RSDP", "RSDT", "XSDT", "FACP", "DSDT", "APIC", "HPET"):
        (d / f"{sig}.dat").write_bytes(out[sig])
        index.append(f"{sig}.dat 0x{addr[sig]:x}\n")
    (d / "index.txt").write_text("".join(index))


if __name__ == "__main__":
    main()
