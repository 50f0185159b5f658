#!/usr/bin/env python3
"""Writes the hostile part of the mailin corpus (testdata/38-*.eml to
57-*.eml) deterministically; the files are committed, this only documents
how they were made. Run from anywhere: python3 mailin/testdata/gen-hostile.py
Every file gets CRLF line ends; the expectations are in parse_test.go."""

import base64, codecs, gzip, hashlib, io, os, zipfile

OUT = os.path.dirname(os.path.abspath(__file__))

def w(name, text):
    if isinstance(text, str):
        text = text.encode("utf-8")
    # LF -> CRLF, keep existing CRLF
    text = text.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(text)
    print(name, len(text))

def b64lines(data, width=76):
    s = base64.b64encode(data).decode()
    return "\n".join(s[i:i+width] for i in range(0, len(s), width))

def hdr(frm, subject, date, mid, extra=""):
    return (f"From: {frm}\nTo: klachten@example.test\nSubject: {subject}\nDate: {date}\n"
            f"Message-ID: <{mid}>\nMIME-Version: 1.0\n{extra}")

# 38: declared boundary never used; the body uses another one.
w("38-boundary-mismatch.eml", hdr("Ria Claes <ria.claes@example.be>", "Klacht (verkeerde MIME-grens)",
  "Tue, 01 Dec 2026 09:00:00 +0100", "boundary.mismatch.1@example.be",
  'Content-Type: multipart/mixed; boundary="==grens-A=="\n') + """
--==grens-B==
Content-Type: text/plain; charset=utf-8

Naam: Ria Claes
Omschrijving: de grens in de kop klopt niet met de grens in de tekst.
--==grens-B==
Content-Type: application/pdf; name="bijlage.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--==grens-B==--
""")

# 39: multipart without a boundary parameter; the body has parts anyway.
w("39-boundary-undeclared.eml", hdr("Ria Claes <ria.claes@example.be>", "Klacht (geen MIME-grens opgegeven)",
  "Tue, 01 Dec 2026 09:05:00 +0100", "boundary.undeclared.1@example.be",
  'Content-Type: multipart/alternative\n') + """
--onbekend
Content-Type: text/plain; charset=utf-8

Naam: Ria Claes
Omschrijving: de kop noemt geen grens.
--onbekend
Content-Type: text/html; charset=utf-8

<p>Naam: Ria Claes</p>
--onbekend--
""")

# 40: a nested multipart whose boundary never appears and which is never
# closed; the outer multipart goes on after it.
w("40-nested-boundary-broken.eml", hdr("Koen Wouters <koen.wouters@example.be>", "Klacht met kapotte binnenste grens",
  "Tue, 01 Dec 2026 09:10:00 +0100", "nested.broken.1@example.be",
  'Content-Type: multipart/mixed; boundary="buiten"\n') + """
--buiten
Content-Type: text/plain; charset=utf-8

Naam: Koen Wouters
Omschrijving: de binnenste grens klopt niet.
--buiten
Content-Type: multipart/alternative; boundary="binnen"

--binnn
Content-Type: text/plain; charset=utf-8

verloren alternatief
--binnn
Content-Type: text/html; charset=utf-8

<p>verloren alternatief</p>
--buiten
Content-Type: application/pdf; name="verslag.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--buiten--
""")

# 41: unknown charsets and unknown transfer encodings, nested.
rot = codecs.encode("Naam: Jan Jansen\nOmschrijving: onleesbaar gecodeerd.", "rot13")
w("41-nested-unknown-charset-cte.eml", hdr("Jan Jansen <jan.jansen@example.nl>", "Klacht in onbekende coderingen",
  "Tue, 01 Dec 2026 09:15:00 +0100", "nested.unknown.1@example.nl",
  'Content-Type: multipart/mixed; boundary="m1"\n') + f"""
--m1
Content-Type: multipart/alternative; boundary="a1"

--a1
Content-Type: text/plain; charset="x-klingon"
Content-Transfer-Encoding: x-rot13

{rot}
--a1
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: x-gzip64

H4sIAAAAAAAAA7MpsLMpzs
--a1--
--m1
Content-Type: multipart/mixed; boundary="m2"

--m2
Content-Type: text/plain; charset="x-mac-klingon"
Content-Transfer-Encoding: quoted-printable

Datum voorval: 30 november 2026, in het caf=E9.
--m2
Content-Type: application/octet-stream; name="gegevens.hqx"
Content-Transfer-Encoding: x-binhex

(This file must be converted with BinHex 4.0)
:#R0KEQ0KG'P"F(*PFh4bE'PZ!&"D!!!!
--m2--
--m1--
""")

# 42: a 200 KB Subject, folded over thousands of lines.
words = [f"w{i:05d}" for i in range(1, 33001)]  # 6 bytes + space
subj_lines = []
line = "Subject: Graag"
for wd in words:
    if len(line) + 1 + len(wd) > 76:
        subj_lines.append(line)
        line = " " + wd
    else:
        line += " " + wd
subj_lines.append(line)
subject = "\n".join(subj_lines)
w("42-huge-subject.eml", f"""From: Lange Kop <lange.kop@example.nl>
To: klachten@example.test
{subject}
Date: Tue, 01 Dec 2026 09:20:00 +0100
Message-ID: <huge.subject.1@example.nl>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Naam: Lange Kop
Omschrijving: het onderwerp is 200 KB lang.
""")

# 43: 5,000 Received lines, with an Authentication-Results above and below.
rcv = "".join(f"Received: from r{i:04d}.example.net by r{i+1:04d}.example.net; Mon, 30 Nov 2026 10:00:00 +0100\n" for i in range(5000))
w("43-5000-received.eml", "Authentication-Results: mx.example.test; dkim=fail header.d=example.nl\n" + rcv +
  "Authentication-Results: mx.example.test; dkim=pass header.d=example.nl\n" +
  hdr("Veel Hops <veel.hops@example.nl>", "Klacht na 5000 hops", "Tue, 01 Dec 2026 09:25:00 +0100", "received.5000.1@example.nl",
      "Content-Type: text/plain; charset=utf-8\n") + """
Naam: Veel Hops
Omschrijving: dit bericht kwam langs 5000 servers.
""")

# 44: 200 levels of MIME nesting.
depth = 200
parts = []
parts.append(hdr("Diep Genest <diep@example.nl>", "Klacht, 200 lagen diep", "Tue, 01 Dec 2026 09:30:00 +0100",
                 "deep.nesting.1@example.nl", "Content-Type: multipart/mixed; boundary=b0\n"))
parts.append("")
for i in range(depth):
    parts.append(f"--b{i}")
    if i == 0:
        parts.append("Content-Type: text/plain; charset=utf-8\n\nNaam: Diep Genest\nOmschrijving: ondiepe tekst.")
        parts.append(f"--b{i}")
    parts.append(f"Content-Type: multipart/mixed; boundary=b{i+1}\n")
parts.append(f"--b{depth}\nContent-Type: text/plain\n\ndiepe tekst die niet gelezen wordt")
for i in range(depth, -1, -1):
    parts.append(f"--b{i}--")
w("44-deep-nesting-200.eml", "\n".join(parts) + "\n")

# 45: zip-bomb-like attachments: small, expanding hugely.
zbuf = io.BytesIO()
with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    zi = zipfile.ZipInfo("nullen.bin", date_time=(2026, 11, 30, 10, 0, 0))
    zi.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(zi, b"\0" * (64 << 20), compresslevel=9)
zipdata = zbuf.getvalue()
# gzip of gzip of 1 GiB of zeros, mtime 0: deterministic.
inner = io.BytesIO()
with gzip.GzipFile(fileobj=inner, mode="wb", compresslevel=9, mtime=0) as g:
    chunk = b"\0" * (16 << 20)
    for _ in range(64):
        g.write(chunk)
outer = gzip.compress(inner.getvalue(), compresslevel=9, mtime=0)
print("zip", len(zipdata), hashlib.sha256(zipdata).hexdigest())
print("inner gz", len(inner.getvalue()), "outer gz", len(outer), hashlib.sha256(outer).hexdigest())
w("45-zip-bomb.eml", hdr("Bom Bijlage <bom@example.nl>", "Klacht met archieven", "Tue, 01 Dec 2026 09:35:00 +0100",
  "zip.bomb.1@example.nl", 'Content-Type: multipart/mixed; boundary="z"\n') + f"""
--z
Content-Type: text/plain; charset=utf-8

Naam: Bom Bijlage
Omschrijving: zie de archieven.
--z
Content-Type: application/zip; name="bewijs.zip"
Content-Disposition: attachment; filename="bewijs.zip"
Content-Transfer-Encoding: base64

{b64lines(zipdata)}
--z
Content-Type: application/gzip; name="logboek.gz"
Content-Disposition: attachment; filename="logboek.gz"
Content-Transfer-Encoding: base64

{b64lines(outer)}
--z
Content-Type: text/plain; charset=utf-8
Content-Encoding: gzip
Content-Transfer-Encoding: base64

{b64lines(gzip.compress(b"verborgen tekst", mtime=0))}
--z--
""")

# 46: NUL bytes in header and body.
w("46-nul-bytes.eml", b"From: Nul\0Byte <nul.byte@example.nl>\n"
  b"To: klachten@example.test\x00, nul2@example.nl\n"
  b"Subject: Klacht\0met\0nul-bytes\n"
  b"Date: Tue, 01 Dec 2026 09:40:00 +0100\n"
  b"Message-ID: <nul.bytes.1@example.nl>\n"
  b"X-Nul\0Veld: waarde\n"
  b"In-Reply-To: <nul\0id@example.nl>\n"
  b"MIME-Version: 1.0\n"
  b"Content-Type: multipart/mixed; boundary=\"n\"\n"
  b"\n"
  b"--n\n"
  b"Content-Type: text/plain; charset=utf-8\n"
  b"\n"
  b"Naam: Nul\0Byte\nOmschrijving: te\0kst met\0\0nullen.\n"
  b"--n\n"
  b"Content-Type: application/octet-stream; name=\"nul\0.bin\"\n"
  b"Content-Transfer-Encoding: binary\n"
  b"\n"
  b"\0\0\0\x01\x02\0\n"
  b"--n--\n")

# 47: header injection through encoded words in several fields.
w("47-encoded-word-injection.eml", """From: =?utf-8?Q?Jan=0D=0ATo=3A_evil2@x.example?= <jan.injectie@example.nl>
To: klachten@example.test, =?utf-8?Q?Ook=0ACc:_evil3@x.example?= <ook@example.org>
Reply-To: =?utf-8?B?QW50d29vcmQNCkJjYzogZXZpbDVAeC5leGFtcGxl?= <antwoord@example.nl>
Subject: =?utf-8?Q?Klacht=0D=0ABcc:_evil@x.example?=
Date: Tue, 01 Dec 2026 09:45:00 +0100
Message-ID: <injection.2@example.nl>
In-Reply-To: <eerder.1@example.nl>
 Bcc: evil4@x.example
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="i"

--i
Content-Type: text/plain; charset=utf-8

Naam: Jan Injectie
--i
Content-Type: application/pdf
Content-Disposition: attachment; filename*=utf-8''rapport%0D%0ABcc%3A%20evil6%40x.example.pdf

%PDF-1.4
--i--
""")

# 48: 10,000 recipients in To and Cc, our address near the end.
def addrlist(name, addrs):
    out, line = [], name + ":"
    for i, a in enumerate(addrs):
        piece = " " + a + ("," if i < len(addrs) - 1 else "")
        if len(line) + len(piece) > 76:
            out.append(line)
            line = piece
        else:
            line += piece
    out.append(line)
    return "\n".join(out)
to = [f"b{i:05d}@example.org" for i in range(1, 5001)]
cc = [f"b{i:05d}@example.org" for i in range(5001, 10001)]
cc[3999] = "klachten@example.test"
w("48-10000-recipients.eml", f"""From: Massa Mail <massa@example.org>
{addrlist("To", to)}
{addrlist("Cc", cc)}
Subject: Aan iedereen
Date: Tue, 01 Dec 2026 09:50:00 +0100
Message-ID: <recipients.10000.1@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Beste allemaal, dit gaat naar 10.000 adressen.
""")

# 49: raw 8-bit bytes in headers: UTF-8, Latin-1 and invalid bytes.
w("49-8bit-raw-headers.eml", "From: Zoë Hermans <zoe.hermans@example.be>\n".encode() +
  b"To: Klachtenb\xfcro <klachten@example.test>\n"
  b"Subject: Klacht \xfcber het caf\xe9\n" +
  "Comments: Één ding €\n".encode() +
  b"X-Rommel: \xff\xfe\xfd\n" +
  "Onderwérp: veldnaam met 8 bits\n".encode() +
  b"Date: Tue, 01 Dec 2026 09:55:00 +0100\n"
  b"Message-ID: <raw.8bit.1@example.be>\n"
  b"MIME-Version: 1.0\n"
  b"Content-Type: multipart/mixed; boundary=\"e\"\n"
  b"\n"
  b"--e\n"
  b"Content-Type: text/plain; charset=utf-8\n"
  b"\n" +
  "Naam: Zoë Hermans\n".encode() +
  b"--e\n" +
  "Content-Type: application/pdf; name=\"verslag één.pdf\"\n".encode() +
  b"\n"
  b"%PDF-1.4\n"
  b"--e\n"
  b"Content-Type: text/plain; name=\"caf\xe9.txt\"\n"
  b"Content-Disposition: attachment\n"
  b"\n"
  b"tekst\n"
  b"--e--\n")

# 50: only a header, no empty line, no body.
w("50-headers-only.eml", """From: Alleen Kop <alleen.kop@example.nl>
To: klachten@example.test
Subject: Alleen een kop
Date: Tue, 01 Dec 2026 10:00:00 +0100
Message-ID: <headers.only.1@example.nl>
""")

# 51: as good as empty.
w("51-empty-ish.eml", "\n")

# 52: one line of 1,000,000 bytes in the body.
line = "Omschrijving: " + ("bla " * 250000)
line = line[:1000000 - len("einde.")] + "einde."
assert len(line) == 1000000
w("52-overlong-line.eml", hdr("Lange Regel <lange.regel@example.nl>", "Klacht op een regel van 1 MB",
  "Tue, 01 Dec 2026 10:05:00 +0100", "overlong.line.1@example.nl", "Content-Type: text/plain; charset=utf-8\n") +
  "\nNaam: Lange Regel\n" + line + "\n")

# 53: base64 with garbage characters, in the text and in an attachment.
t = base64.b64encode("Naam: Jan de Vries\nOmschrijving: base64 met rommel ertussen.\n".encode()).decode()
tg = t[:8] + "!!" + t[8:20] + "*#" + t[20:40] + "\xa7\xa7" + t[40:]
pdf = b"%PDF-1.4\nrommel\n"
p = base64.b64encode(pdf).decode()
pg = p[:4] + "==" + p[4:12] + "@@@" + p[12:]
w("53-base64-garbage.eml", hdr("Jan de Vries <jan.devries@example.nl>", "Klacht in beschadigd base64",
  "Tue, 01 Dec 2026 10:10:00 +0100", "base64.garbage.1@example.nl",
  'Content-Type: multipart/mixed; boundary="g"\n') + f"""
--g
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

{tg}
--g
Content-Type: application/pdf; name="rommel.pdf"
Content-Transfer-Encoding: base64

{pg}
--g--
""")

# 54: thousands of encoded words in Subject and From.
ew = []
for i in range(5000):
    s = f"w{i:04d} "
    m = i % 4
    if m == 0:
        ew.append("=?utf-8?B?" + base64.b64encode(s.encode()).decode() + "?=")
    elif m == 1:
        ew.append("=?iso-8859-1?Q?" + s.replace(" ", "_") + "?=")
    elif m == 2:
        ew.append("=?windows-1252?b?" + base64.b64encode(s.encode()).decode() + "?=")
    else:
        ew.append("=?UTF-8?q?" + s.replace(" ", "=20") + "?=")
subj = "Subject: " + "\n ".join(ew)
name = "\n ".join(f"=?utf-8?q?{c}?=" for c in ("Jan_de_Vries_" * 160)[:2000])
w("54-encoded-word-bomb.eml", f"""From: {name} <bom.woorden@example.nl>
To: klachten@example.test
{subj}
Date: Tue, 01 Dec 2026 10:15:00 +0100
Message-ID: <encoded.word.bomb.1@example.nl>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Naam: Bom Woorden
""")

# 55: a Content-Type with 10,000 parameters, the boundary last.
params = ";\n".join(f"\tp{i:05d}=v{i:05d}" for i in range(1, 10001))
w("55-content-type-10000-params.eml", hdr("Veel Parameters <veel.parameters@example.nl>", "Klacht met 10.000 parameters",
  "Tue, 01 Dec 2026 10:20:00 +0100", "params.10000.1@example.nl",
  "Content-Type: multipart/mixed;\n" + params + ';\n\tboundary="p"\n') + """
--p
Content-Type: text/plain; charset=utf-8

Naam: Veel Parameters
--p--
""")

# 56: a part header with a malformed line; parts after it are lost to the
# parser (they stay in the raw message).
w("56-part-header-garbage.eml", hdr("Kapotte Kop <kapotte.kop@example.nl>", "Klacht met kapotte deelkop",
  "Tue, 01 Dec 2026 10:25:00 +0100", "part.header.1@example.nl",
  'Content-Type: multipart/mixed; boundary="k"\n') + """
--k
Content-Type: text/plain; charset=utf-8

Naam: Kapotte Kop
--k
Content-Type: application/pdf; name="a.pdf"
dit is geen kopregel
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--k
Content-Type: text/plain; charset=utf-8

na de kapotte kop
--k--
""")

# 57: an inner boundary that starts with the outer one.
w("57-boundary-prefix.eml", hdr("Grens Prefix <grens.prefix@example.nl>", "Klacht met geneste grenzen",
  "Tue, 01 Dec 2026 10:30:00 +0100", "boundary.prefix.1@example.nl",
  'Content-Type: multipart/mixed; boundary="grens"\n') + """
--grens
Content-Type: multipart/alternative; boundary="grens-binnen"

--grens-binnen
Content-Type: text/plain; charset=utf-8

Naam: Grens Prefix
--grens-binnen
Content-Type: text/html; charset=utf-8

<p>Naam: Grens Prefix</p>
--grens-binnen--
--grens
Content-Type: text/plain; name="notitie.txt"
Content-Disposition: attachment

--grens-niet
--grens--
""")
