#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Pack real ACPI table images into seeds for tests/fuzz/acpi_fuzz.c.

  tests/fuzz/make-corpus.py            (from anywhere in the repository)

For each machine in tests/unit/acpi/data/ and data-published/ (a directory
with index.txt and <SIG>.dat files), writes two seeds to corpus/acpi/:

  <machine>-xsdt   RSDP revision 2 -> XSDT (and an RSDT, unused)
  <machine>-rsdt   RSDP revision 0 -> RSDT only (the ACPI 1.0 path)

in the harness's input layout: one flags byte (0x01: repair checksums),
then physical memory from address 0, RSDP at 0, tables packed after it at
16-byte boundaries. Every pointer the parser follows (RSDP -> root tables
-> tables, FADT -> DSDT/FACS) is rewritten to the new addresses and every
checksum recomputed, so the seeds parse exactly like the originals. The
DSDT is cut to its 36-byte header plus its \\_S5 object (the parser
reads no other AML; a 9 KiB seed would only slow the fuzzer down), and a
machine without an RSDT (the QEMU captures) gets one built from its XSDT.

One more seed, synthetic-limits-xsdt, is q35 with a made-up MADT that
overflows every list (ACPI_MAX_CPUS, _IOAPICS, _OVERRIDES, _NMIS) and has
repeated APIC ids, so the fuzzer starts next to those paths instead of
having to grow a 9 KiB table by itself. And synthetic-s5-ssdt-xsdt is
q35 with \\_S5 moved out of the DSDT into an SSDT of its own, in the
root-prefixed, one-integer form, for the SSDT fallback.
"""
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "unit" / "acpi"
OUT = HERE / "corpus" / "acpi"
FLAG_REPAIR = 0x01


def fix_checksum(t, at=9, length=None):
    t = bytearray(t)
    t[at] = 0
    t[at] = (-sum(t[: length or len(t)])) & 0xFF
    return t


def load(machine):
    tables, rsdp = {}, None
    for line in (machine / "index.txt").read_text().split("\n"):
        if not line.strip():
            continue
        name, addr = line.split()
        data = (machine / name).read_bytes()
        if name == "RSDP.dat":
            rsdp = (bytearray(data), int(addr, 16))
        else:
            tables[int(addr, 16)] = bytearray(data)
    return rsdp, tables


def limits_madt():
    """A MADT past every limit in acpi.h, for the synthetic seed."""
    body = struct.pack("<II", 0xFEE00000, 1)
    for i in range(1032):                     # ACPI_MAX_CPUS is 1024
        body += struct.pack("<BBHIII", 9, 16, 0, i, 1, i)
    body += struct.pack("<BBBBI", 0, 8, 0, 0, 1)   # repeats APIC id 0
    body += struct.pack("<BBBBI", 0, 8, 1, 0xFF, 0)  # placeholder
    for i in range(18):                       # ACPI_MAX_IOAPICS is 16
        body += struct.pack("<BBBBII", 1, 12, i, 0, 0xFEC00000 + 0x1000 * i,
                            24 * i)
    for i in range(34):                       # ACPI_MAX_OVERRIDES is 32
        body += struct.pack("<BBBBIH", 2, 10, 0, i, i, i & 0xF)
    for i in range(34):                       # ACPI_MAX_NMIS is 32
        body += struct.pack("<BBBHB", 4, 6, i, 5, i & 1)
    body += struct.pack("<BBHQ", 5, 12, 0, 0xFEE00000)
    header = struct.pack("<4sIBB6s8sI4sI", b"APIC", 36 + len(body), 5, 0,
                         b"COHORT", b"LIMITS  ", 1, b"CHRT", 1)
    return bytearray(header + body)


def s5_object(dsdt):
    """The DefName of \\_S5 in a real DSDT, whole (NameOp to the end of
    its package), or b"" if there is none."""
    at = dsdt.find(b"\x08_S5_\x12")
    if at < 0:
        return b""
    lead = dsdt[at + 6]
    follow = lead >> 6
    length = lead & 0x3F if follow == 0 else lead & 0x0F
    for i in range(follow):
        length |= dsdt[at + 7 + i] << (4 + 8 * i)
    return bytes(dsdt[at:at + 6 + length])


def s5_ssdt():
    """An SSDT whose only object is Name (\\_S5, Package (1) { 0x0705 }):
    the root-prefixed name and the one-integer form."""
    aml = b"\x08\\_S5_\x12\x05\x01\x0b\x05\x07"
    header = struct.pack("<4sIBB6s8sI4sI", b"SSDT", 36 + len(aml), 2, 0,
                         b"COHORT", b"S5SSDT  ", 1, b"CHRT", 1)
    return bytearray(header + aml)


def build(machine, revision, madt=None, ssdt=None):
    (rsdp, _), tables = load(machine)
    if madt:
        tables[next(a for a, t in tables.items() if t[:4] == b"APIC")] = madt
    by_sig = {bytes(t[:4]): a for a, t in tables.items()}
    xsdt = tables[by_sig[b"XSDT"]]
    xsdt_entries = [struct.unpack_from("<Q", xsdt, 36 + 8 * i)[0]
                    for i in range((len(xsdt) - 36) // 8)]
    if ssdt:
        at = (max(a + len(t) for a, t in tables.items()) + 0xFFF) & ~0xFFF
        tables[at] = ssdt
        xsdt += struct.pack("<Q", at)
        struct.pack_into("<I", xsdt, 4, len(xsdt))
        xsdt_entries.append(at)
    if b"RSDT" not in by_sig:
        rsdt = bytearray(xsdt[:36]) + b"".join(
            struct.pack("<I", a) for a in xsdt_entries)
        rsdt[0:4] = b"RSDT"
        struct.pack_into("<I", rsdt, 4, len(rsdt))
        by_sig[b"RSDT"] = struct.unpack_from("<I", rsdp, 16)[0]
        tables[by_sig[b"RSDT"]] = rsdt
    if b"DSDT" in by_sig:
        old_dsdt = tables[by_sig[b"DSDT"]]
        dsdt = old_dsdt[:36] + (b"" if ssdt else s5_object(old_dsdt))
        struct.pack_into("<I", dsdt, 4, len(dsdt))
        tables[by_sig[b"DSDT"]] = dsdt

    # New addresses: RSDP at 0, tables in ascending old-address order.
    new, at = {}, 48
    for old in sorted(tables):
        new[old] = at
        at = (at + len(tables[old]) + 15) & ~15
    mem = bytearray(at)

    def relocate(old):
        return new.get(old, 0)  # a table we do not have: null pointer

    for old, t in tables.items():
        sig = bytes(t[:4])
        if sig == b"XSDT":
            for i in range((len(t) - 36) // 8):
                a = struct.unpack_from("<Q", t, 36 + 8 * i)[0]
                struct.pack_into("<Q", t, 36 + 8 * i, relocate(a))
        elif sig == b"RSDT":
            for i in range((len(t) - 36) // 4):
                a = struct.unpack_from("<I", t, 36 + 4 * i)[0]
                struct.pack_into("<I", t, 36 + 4 * i, relocate(a))
        elif sig == b"FACP":
            for off, fmt in ((36, "<I"), (40, "<I"), (132, "<Q"), (140, "<Q")):
                if off + struct.calcsize(fmt) <= len(t):
                    a = struct.unpack_from(fmt, t, off)[0]
                    struct.pack_into(fmt, t, off, relocate(a) if a else 0)
        if sig != b"FACS":  # the FACS has no checksum
            t = fix_checksum(t)
        mem[new[old]:new[old] + len(t)] = t

    rsdp = bytearray(rsdp[:36])
    rsdp[15] = revision
    struct.pack_into("<I", rsdp, 16, new[by_sig[b"RSDT"]])
    struct.pack_into("<Q", rsdp, 24, new[by_sig[b"XSDT"]] if revision else 0)
    rsdp = fix_checksum(rsdp, 8, 20)
    rsdp = fix_checksum(rsdp, 32, 36)
    mem[0:36] = rsdp
    return bytes([FLAG_REPAIR]) + bytes(mem)


def main():
    if len(sys.argv) != 1:
        sys.exit(__doc__)
    OUT.mkdir(parents=True, exist_ok=True)
    for group in ("data", "data-published"):
        for machine in sorted((DATA / group).iterdir()):
            if not (machine / "index.txt").exists():
                continue
            for name, revision in (("xsdt", 2), ("rsdt", 0)):
                seed = build(machine, revision)
                path = OUT / f"{machine.name}-{name}"
                path.write_bytes(seed)
                print(f"{path.relative_to(HERE)}: {len(seed)} bytes")
    for name, kw in (("synthetic-limits-xsdt", {"madt": limits_madt()}),
                     ("synthetic-s5-ssdt-xsdt", {"ssdt": s5_ssdt()})):
        seed = build(DATA / "data" / "qemu-q35", 2, **kw)
        path = OUT / name
        path.write_bytes(seed)
        print(f"{path.relative_to(HERE)}: {len(seed)} bytes")


if __name__ == "__main__":
    main()
