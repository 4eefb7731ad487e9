# SPDX-License-Identifier: MIT
"""Loader robustness: bad kernels are refused with a message (and the
firmware gets control back), version skew is refused by the kernel, the
trampoline / ExitBootServices fallbacks work, 5-level paging is refused,
and CMDLINE.TXT in UTF-16 or over its size limit is reported."""
import re
import struct

from conftest import BUILD, cohortvm

LOADER_ERROR = r"cohort-loader: returning to the firmware"


def loadable_end(elf):
    """File offset where the last PT_LOAD segment's data ends."""
    phoff, = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    end = 0
    for i in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from(
            "<IIQQQQ", elf, phoff + i * phentsize)
        if p_type == 1:
            end = max(end, p_offset + p_filesz)
    return end


def test_truncated_kernel_is_refused(esp, boot, tmp_path):
    data = (BUILD / "kernel.elf").read_bytes()
    bad = tmp_path / "truncated.elf"
    # Cut inside the loadable data (debug sections after it do not matter).
    bad.write_bytes(data[: loadable_end(data) - 100])
    b = boot(esp(kernel=bad), stop_on=LOADER_ERROR)
    assert not b.timed_out, "loader printed no error"
    assert re.search(r"cohort-loader: error: \\EFI\\COHORT\\KERNEL\.ELF is not "
                     r"a valid kernel: segment data runs past the end of the "
                     r"file", b.log), b.log
    assert "cpu0:" not in b.log, "the kernel must not have started"


def test_non_elf_kernel_is_refused(esp, boot, tmp_path):
    bad = tmp_path / "notelf.elf"
    bad.write_bytes(b"MZ this is not an ELF file" + bytes(200))
    b = boot(esp(kernel=bad), stop_on=LOADER_ERROR)
    assert "not an ELF file (bad magic)" in b.log
    assert "cpu0:" not in b.log


def test_boot_info_version_mismatch_is_refused(esp, boot):
    b = boot(esp(cmdline="test=boot",
                 loader=BUILD / "test/BOOTX64-badversion.EFI"))
    assert b.exit_code == cohortvm.EXIT_FAILURE, b
    assert re.search(r"boot: boot_info version 999 .* kernel expects version 4",
                     b.log)
    assert "cohort: ready" not in b.log


def test_trampoline_from_boot_services_memory(esp, boot):
    b = boot(esp(cmdline="efi_tramp=scan test=boot"))
    assert b.exit_code == cohortvm.EXIT_SUCCESS
    m = re.search(r"AP trampoline page (0x[0-9a-f]+) \(reclaimed boot-services "
                  r"page\)", b.log)
    assert m, b.log
    page = int(m.group(1), 16)
    assert 0x1000 <= page < 0x9F000 and page % 4096 == 0


def test_no_trampoline_page_boots_on_one_cpu(esp, boot):
    b = boot(esp(cmdline="efi_tramp=none test=boot"), smp=2)
    assert b.exit_code == cohortvm.EXIT_SUCCESS
    assert ("boot: no free page below 1 MiB for the AP trampoline: "
            "will boot on one CPU") in b.log


def test_stale_map_key_is_retried(esp, boot):
    b = boot(esp(cmdline="efi_stale_key test=boot"))
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert "ExitBootServices attempts 2" in b.log


def test_five_level_paging_is_refused(esp, boot):
    b = boot(esp(cmdline="efi_test_la57 test=boot"), stop_on=LOADER_ERROR)
    assert not b.timed_out, "loader printed no error"
    assert ("cohort-loader: error: unsupported paging mode: the firmware "
            "runs with 5-level paging") in b.log, b.log
    assert "cpu0:" not in b.log, "the kernel must not have started"


def test_utf16_cmdline_file_is_converted(esp, boot):
    """What Windows Notepad writes as "Unicode": UTF-16LE with a BOM."""
    text = "\ufeff# options\r\ntest=boot\r\n".encode("utf-16-le")
    b = boot(esp(cmdline=text))
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    assert "cohort-loader: CMDLINE.TXT is UTF-16 text; converted to ASCII" \
        in b.log
    assert 'cmdline from CMDLINE.TXT: "test=boot"' in b.log
    assert "boot: CMDLINE.TXT was UTF-16; the loader converted it" in b.log


def test_oversized_cmdline_file_is_reported(esp, boot):
    text = b"test=boot\n" + b"# padding\n" * 500  # 5010 bytes
    b = boot(esp(cmdline=text), stop_on=r"cohort: ready")
    assert not b.timed_out, "never reached the ready line"
    assert ("cohort-loader: warning: \\EFI\\COHORT\\CMDLINE.TXT is over "
            "4096 bytes; ignored") in b.log, b.log
    assert "boot: warning: CMDLINE.TXT was over 4096 bytes and ignored" \
        in b.log


def test_failed_exit_boot_services_halts_with_a_message(esp, boot):
    """After a failed ExitBootServices the loader may not print through the
    firmware or return to it: it writes to COM1 itself and halts."""
    b = boot(esp(cmdline="efi_test_ebs_fail test=boot"), timeout=60,
             stop_on=r"the loader stops here")
    assert not b.timed_out, "no halt message on serial"
    assert ("cohort-loader: error: ExitBootServices failed (EFI status "
            "0x8000000000000007) after ExitBootServices was called") in b.log
    assert "returning to the firmware" not in b.log
    assert "cpu0:" not in b.log, "the kernel must not have started"


def test_cmdline_past_the_limit_drops_whole_words(esp, boot):
    # 30 words of 50 bytes: about 20 fit in 1023 bytes (and stay under
    # the kernel parser's 64 words).
    words = [f"init=/bin/{i:02d}" + "x" * 38 for i in range(30)]
    b = boot(esp(cmdline="test=boot " + " ".join(words)))
    assert b.exit_code == cohortvm.EXIT_SUCCESS, b
    m = re.search(r'cohort-loader: cmdline \(CMDLINE.TXT\): "([^"]*)"', b.log)
    assert m, b.log
    kept = m.group(1).split(" ")
    assert kept[0] == "test=boot" and kept[1:] == words[:len(kept) - 1]
    assert 15 < len(kept) < 30 and len(m.group(1)) <= 1023
    assert re.search(r"cohort-loader: warning: CMDLINE.TXT: longer than 1023 "
                     r"bytes; the last \d+ word\(s\) dropped", b.log)
    assert ("boot: warning: the loader dropped words past the 1023-byte "
            "command-line limit") in b.log
