"""Writes a corpus of hostile bundle archives into the directory given as argv[1].

Each archive starts like a real bundle (a bundle.yaml whose checksum line is right), so the
reader gets past the manifest and meets the hostile part. `outside` (argv[2]) is the absolute
path that escaping entries aim at.
"""
import gzip, hashlib, io, json, os, sys, tarfile

out, outside = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
PAYLOAD = b"model bytes\n"


def manifest(files):
    body = "format: 1\nname: evil\nversion: 1.0.0\nflavor: linear\nentry: model/m.bin\nfiles:\n"
    for name, data in sorted(files.items()):
        body += '  %s: {sha256: %s, size: %d}\n' % (json.dumps(name), hashlib.sha256(data).hexdigest(), len(data))
    return (body + "manifest_sha256: " + hashlib.sha256(body.encode()).hexdigest() + "\n").encode()


def regular(name, data, size=None):
    info = tarfile.TarInfo(name)
    info.size = len(data) if size is None else size
    info.mode = 0o644
    return info, io.BytesIO(data)


def write(case, members, listed=None, mode="w", fmt=tarfile.PAX_FORMAT):
    listed = {"model/m.bin": PAYLOAD} if listed is None else listed
    with tarfile.open(os.path.join(out, case), mode, format=fmt) as tar:
        tar.addfile(*regular("bundle.yaml", manifest(listed)))
        for info, data in members:
            tar.addfile(info, data)


def special(name, kind, target=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    if kind in (tarfile.CHRTYPE, tarfile.BLKTYPE):
        info.devmajor, info.devminor = 1, 3
    return info, None


model = regular("model/m.bin", PAYLOAD)
write("dotdot.tar", [regular("../escape.txt", b"x")])
write("absolute.tar", [regular(outside + "/absolute.txt", b"x")])
write("symlink-out.tar", [special("model/m.bin", tarfile.SYMTYPE, outside + "/target")])
write("symlink-then-write.tar", [special("model", tarfile.SYMTYPE, outside), regular("model/m.bin", PAYLOAD)])
write("hardlink.tar", [special("model/m.bin", tarfile.LNKTYPE, "/etc/passwd")])
write("hardlink-each-other.tar", [regular("model/a", b"x"), special("model/m.bin", tarfile.LNKTYPE, "model/a")])
write("chardev.tar", [special("model/m.bin", tarfile.CHRTYPE)])
write("fifo.tar", [special("model/m.bin", tarfile.FIFOTYPE)])
write("directory.tar", [special("model", tarfile.DIRTYPE), regular("model/m.bin", PAYLOAD)])
write("duplicate.tar", [regular("model/m.bin", PAYLOAD), regular("model/m.bin", PAYLOAD)])
write("unlisted.tar", [regular("model/m.bin", PAYLOAD), regular("zzz-extra.sh", b"rm -rf /\n")])
write("bigger-than-listed.tar", [regular("model/m.bin", PAYLOAD + b"more bytes than listed")])
write("missing-entry.tar", [])
write("wrong-digest.tar", [regular("model/m.bin", PAYLOAD.upper())])
write("not-utf8.tar", [regular(b"model/\xff\xfe.bin".decode("utf-8", "surrogateescape"), b"x")], fmt=tarfile.GNU_FORMAT)
write("gnu-longname.tar", [regular("model/" + "n" * 120, b"x")], fmt=tarfile.GNU_FORMAT)
write("manifest-lists-escape.tar", [regular("model/m.bin", PAYLOAD)], listed={"model/m.bin": PAYLOAD, "../up": b"x"})

# Names split as grapheme clusters hide a '/': "/" + U+200D (zero-width joiner) or + U+0301 (combining
# acute) is one Character, but open() sees "../". The manifest lists them with their true digests, so only
# the path check can refuse them.
zwj = "../\u200descape.txt"
write("zwj-dotdot.tar", [regular(zwj, b"x"), regular("model/m.bin", PAYLOAD)], listed={zwj: b"x", "model/m.bin": PAYLOAD})
comb = "model/../../\u0301escape.txt"
write("combining-dotdot.tar", [regular(comb, b"x"), regular("model/m.bin", PAYLOAD)], listed={comb: b"x", "model/m.bin": PAYLOAD})
# A file that is also the directory of another: verify must refuse what extract refuses.
write("file-and-directory.tar", [regular("model", b"f"), regular("model/m.bin", PAYLOAD)],
      listed={"model": b"f", "model/m.bin": PAYLOAD})
# Names that are one file on a case-insensitive or normalising file system.
write("case-collision.tar", [regular("model/M.bin", b"y"), regular("model/m.bin", PAYLOAD)],
      listed={"model/M.bin": b"y", "model/m.bin": PAYLOAD})
write("directory-case-collision.tar", [regular("Model/a", b"y"), regular("model/m.bin", PAYLOAD)],
      listed={"Model/a": b"y", "model/m.bin": PAYLOAD})
# Control characters in a listed name are printed escaped.
esc = "model/\x1b[2Jm.bin\r"
write("control-name.tar", [regular(esc, b"x")], listed={esc: b"x", "model/m.bin": PAYLOAD})
# pax records that disagree with the ustar header they override.
info, data = regular("../escape.txt", PAYLOAD)
info.pax_headers = {"path": "model/m.bin"}
write("pax-hides-unsafe-name.tar", [(info, data)])
info, data = regular("model/other.bin", PAYLOAD)
info.pax_headers = {"path": "model/m.bin"}
write("pax-path-disagrees.tar", [(info, data)])
info, data = regular("model/m.bin", PAYLOAD)
info.pax_headers = {"size": str(len(PAYLOAD))}
info.size = len(PAYLOAD) + 512
buf = io.BytesIO()
t = tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT)
t.addfile(*regular("bundle.yaml", manifest({"model/m.bin": PAYLOAD})))
# tobuf writes the header with the disagreeing size field; the data is the true size.
buf.write(info.tobuf(tarfile.PAX_FORMAT))
buf.write(PAYLOAD + bytes(512 - len(PAYLOAD)) + bytes(1024))
open(os.path.join(out, "pax-size-disagrees.tar"), "wb").write(buf.getvalue())

# Not bundle.yaml first.
with tarfile.open(os.path.join(out, "no-manifest.tar"), "w", format=tarfile.PAX_FORMAT) as tar:
    tar.addfile(*regular("model/m.bin", PAYLOAD))

# Truncated: a good archive cut in the middle of an entry's data.
good = io.BytesIO()
with tarfile.open(fileobj=good, mode="w", format=tarfile.PAX_FORMAT) as tar:
    tar.addfile(*regular("bundle.yaml", manifest({"model/m.bin": b"z" * 5000})))
    tar.addfile(*regular("model/m.bin", b"z" * 5000))
raw = good.getvalue()
open(os.path.join(out, "truncated.tar"), "wb").write(raw[: 512 * 4 + 1000])

# A gzip bomb: the manifest says a 2 GiB file follows (it would be all zeros).
with gzip.open(os.path.join(out, "bomb-declared.tar.gz"), "wb", compresslevel=9) as gz:
    big = 2 << 30
    info = tarfile.TarInfo("bundle.yaml")
    m = manifest({"model/m.bin": b""}).replace(b"size: 0", b"size: %d" % big)
    body = m[: m.rindex(b"manifest_sha256")]
    m = body + b"manifest_sha256: " + hashlib.sha256(body).hexdigest().encode() + b"\n"
    info.size = len(m)
    buf = io.BytesIO()
    t = tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT)
    t.addfile(info, io.BytesIO(m))
    header = tarfile.TarInfo("model/m.bin")
    header.size = big
    buf.write(header.tobuf(tarfile.PAX_FORMAT))
    gz.write(buf.getvalue())
    zeros = bytes(1 << 20)
    for _ in range(64):
        gz.write(zeros)

# A gzip bomb in the first entry: a 1 GiB "manifest".
with gzip.open(os.path.join(out, "bomb-manifest.tar.gz"), "wb", compresslevel=9) as gz:
    info = tarfile.TarInfo("bundle.yaml")
    info.size = 1 << 30
    gz.write(info.tobuf(tarfile.PAX_FORMAT))
    zeros = bytes(1 << 20)
    for _ in range(64):
        gz.write(zeros)

# A bomb after the end: a valid small archive followed by 64 MiB of zeros.
with gzip.open(os.path.join(out, "bomb-trailer.tar.gz"), "wb", compresslevel=9) as gz:
    gz.write(raw)
    zeros = bytes(1 << 20)
    for _ in range(64):
        gz.write(zeros)

# Garbage that is not a tar at all.
open(os.path.join(out, "garbage.tar"), "wb").write(os.urandom(4096))
open(os.path.join(out, "empty.tar"), "wb").write(b"")

# Compressed streams with something after them: trailing bytes, a second gzip member, a zstd skippable
# frame or second frame. The first stream alone is a valid bundle.
good_bundle = io.BytesIO()
with tarfile.open(fileobj=good_bundle, mode="w", format=tarfile.PAX_FORMAT) as tar:
    tar.addfile(*regular("bundle.yaml", manifest({"model/m.bin": PAYLOAD})))
    tar.addfile(*regular("model/m.bin", PAYLOAD))
good_bundle = good_bundle.getvalue()
open(os.path.join(out, "gzip-trailing-bytes.tar.gz"), "wb").write(gzip.compress(good_bundle, mtime=0) + b"junk")
open(os.path.join(out, "gzip-second-member.tar.gz"), "wb").write(gzip.compress(good_bundle, mtime=0) + gzip.compress(bytes(1024), mtime=0))
# A gzip stream cut short, and one whose CRC trailer does not match its data.
whole = gzip.compress(good_bundle, mtime=0)
open(os.path.join(out, "gzip-truncated.tar.gz"), "wb").write(whole[: len(whole) // 2])
open(os.path.join(out, "gzip-bad-crc.tar.gz"), "wb").write(whole[:-8] + bytes(b ^ 0xFF for b in whole[-8:-4]) + whole[-4:])
