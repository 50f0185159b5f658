package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/klachtenbus/klachtenbus/cases"
	"github.com/klachtenbus/klachtenbus/config"
)

// attachmentSize is the attachment of the memory test: 25 MiB of random
// bytes, base64-encoded in a multipart/mixed complaint (about 35 MB).
const attachmentSize = 25 << 20

// bigComplaint builds a complaint with one attachment of size random
// bytes (the same bytes for the same seed) and returns it with the
// attachment's SHA-256.
func bigComplaint(from, to, msgID string, size int) (raw []byte, sum string) {
	data := make([]byte, size)
	rng := rand.NewChaCha8([32]byte{'k', 'l', 'a', 'c', 'h', 't'})
	rng.Read(data)
	s := sha256.Sum256(data)

	enc := base64.StdEncoding.EncodedLen(size)
	var b bytes.Buffer
	b.Grow(enc + enc/76*2 + 4096)
	fmt.Fprintf(&b, "From: Jan de Vries <%s>\r\nTo: %s\r\nSubject: Klacht met bijlage\r\nMessage-ID: <%s>\r\n"+
		"Date: %s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n",
		from, to, msgID, time.Now().Format(time.RFC1123Z))
	b.WriteString("--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Naam: Jan de Vries\r\nOmschrijving: Zie het rapport in de bijlage.\r\n\r\n")
	b.WriteString("--b1\r\nContent-Type: application/pdf; name=\"rapport.pdf\"\r\n" +
		"Content-Disposition: attachment; filename=\"rapport.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	line := make([]byte, 76)
	for i := 0; i < size; i += 57 {
		n := base64.StdEncoding.EncodedLen(min(57, size-i))
		base64.StdEncoding.Encode(line, data[i:min(i+57, size)])
		b.Write(line[:n])
		b.WriteString("\r\n")
	}
	b.WriteString("--b1--\r\n")
	return b.Bytes(), hex.EncodeToString(s[:])
}

// heapObjects is the runtime metric sampled for the peak: the bytes of
// heap objects, live or not yet swept. Reading it does not stop the world.
const heapObjects = "/memory/classes/heap/objects:bytes"

// peakSampler samples heapObjects every 200µs until stopped.
type peakSampler struct {
	peak uint64
	stop chan struct{}
	done chan struct{}
}

func readHeapObjects() uint64 {
	s := []metrics.Sample{{Name: heapObjects}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func startSampler() *peakSampler {
	p := &peakSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		s := []metrics.Sample{{Name: heapObjects}}
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			p.peak = max(p.peak, s[0].Value.Uint64())
			select {
			case <-p.stop:
				return
			case <-t.C:
			}
		}
	}()
	return p
}

func (p *peakSampler) finish() uint64 {
	close(p.stop)
	<-p.done
	return p.peak
}

// TestAttachmentMemory runs a complaint with a 25 MiB attachment through
// the daemon's real intake path in this process, against the private
// Dovecot (so the IMAP server's memory is not counted): fetched over IMAP,
// parsed, filed (case, message with its raw bytes, attachment with its
// SHA-256), acknowledged (an outbox row) and moved. The bytes allocated
// over that pass (runtime.MemStats.TotalAlloc, an upper bound on the
// growth of the heap, and deterministic) must stay under three times the
// attachment; the peak of the heap, sampled, is logged beside it.
func TestAttachmentMemory(t *testing.T) {
	st := privateStack(t)
	acc := newAccounts(t)
	jan := acc.person("jan")
	msgID := acc.prefix + "big@example.test"

	raw, wantSum := bigComplaint(jan, acc.complaints, msgID, attachmentSize)
	rawLen := len(raw)
	c := imapLogin(t, st.imap, acc.complaints)
	if err := appendRaw(c, "INBOX", raw); err != nil {
		c.Close()
		t.Fatal(err)
	}
	c.Close()
	raw = nil

	dir := t.TempDir()
	cfg, err := loadConfig(configFlag{File: writeStackConfig(t, dir, st, acc, "")})
	if err != nil {
		t.Fatal(err)
	}
	// The default limit (25 MB) would quarantine the message unfetched;
	// the stack configuration's short watchdog is for the fault tests, so
	// the daemon's default is taken here.
	cfg.IMAP.MaxMessageSize = config.Size(64 << 20)
	cfg.IMAP.Watchdog = config.Duration(30 * time.Second)
	var logs syncBuffer
	m := &Main{Stdout: io.Discard, Stderr: &logs}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d, err := m.newDaemon(ctx, cfg, m.logger(cfg), false)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()

	// The allocations up to each step, and at the end of the pass.
	type mark struct {
		step  string
		alloc uint64
	}
	var (
		mu    sync.Mutex
		marks []mark
		ms    runtime.MemStats
	)
	note := func(step string) {
		runtime.ReadMemStats(&ms)
		mu.Lock()
		marks = append(marks, mark{step, ms.TotalAlloc})
		mu.Unlock()
	}
	d.Watcher.Hook = note
	synced := make(chan struct{})
	var once sync.Once
	d.Watcher.Synced = func() {
		once.Do(func() {
			note("synced")
			close(synced)
		})
	}

	runtime.GC()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	base := readHeapObjects()
	sampler := startSampler()
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		d.Watcher.Run(ctx)
	}()
	select {
	case <-synced:
	case <-time.After(2 * time.Minute):
		t.Fatalf("no pass over the mailbox within 2 minutes; logs:\n%s", logs.String())
	}
	peak := sampler.finish()
	cancel()
	<-ran

	mu.Lock()
	var prev uint64 = before.TotalAlloc
	for _, mk := range marks {
		t.Logf("  up to %-9s %6.1f MiB allocated (+%.1f MiB)", mk.step, mib(mk.alloc-before.TotalAlloc), mib(mk.alloc-prev))
		prev = mk.alloc
	}
	allocated := marks[len(marks)-1].alloc - before.TotalAlloc
	mu.Unlock()
	growth := peak - min(peak, base)
	limit := uint64(3 * attachmentSize)
	t.Logf("attachment %.1f MiB, message %.1f MiB; heap before %.1f MiB", mib(attachmentSize), mib(uint64(rawLen)), mib(base))
	t.Logf("allocated over the pass (TotalAlloc): %.1f MiB = %.2f× the attachment (limit 3×)", mib(allocated), float64(allocated)/attachmentSize)
	t.Logf("sampled peak heap growth: %.1f MiB = %.2f× the attachment", mib(growth), float64(growth)/attachmentSize)
	// TotalAlloc bounds the growth of the heap from above whatever the
	// collector does, so it is the figure asserted.
	if allocated >= limit {
		t.Errorf("allocated %.1f MiB over the pass, want under %.1f MiB (3× the attachment)", mib(allocated), mib(limit))
	}

	// The message was filed whole, acknowledged and moved.
	db, err := sql.Open("sqlite3", "file:"+cfg.Store.Path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var caseID string
	var storedRaw int
	if err := db.QueryRow(`SELECT case_id, length(raw) FROM messages WHERE message_id = ? AND direction = 'in'`, msgID).Scan(&caseID, &storedRaw); err != nil {
		t.Fatalf("the complaint was not filed: %v; logs:\n%s", err, logs.String())
	}
	if storedRaw != rawLen {
		t.Errorf("stored raw message of %d bytes, want %d", storedRaw, rawLen)
	}
	var name, typ, sum string
	var size int64
	var content []byte
	if err := db.QueryRow(`SELECT a.name, a.type, a.size, a.sha256, a.content FROM attachments a JOIN messages m ON m.id = a.message_id WHERE m.message_id = ?`, msgID).
		Scan(&name, &typ, &size, &sum, &content); err != nil {
		t.Fatalf("attachment: %v", err)
	}
	gotSum := sha256.Sum256(content)
	if name != "rapport.pdf" || typ != "application/pdf" || size != attachmentSize || sum != wantSum || hex.EncodeToString(gotSum[:]) != wantSum {
		t.Errorf("attachment %q %s, %d bytes, sha256 %s (content %x); want rapport.pdf application/pdf, %d bytes, %s",
			name, typ, size, sum, gotSum, attachmentSize, wantSum)
	}
	var acks int
	if err := db.QueryRow(`SELECT COUNT(*) FROM outbox WHERE case_id = ? AND kind = ? AND recipient = ?`, caseID, string(cases.MailAck), jan).Scan(&acks); err != nil || acks != 1 {
		t.Errorf("%d acknowledgements queued (%v), want 1", acks, err)
	}
	if n := folderSize(t, st.imap, acc.complaints, "Verwerkt"); n != 1 {
		t.Errorf("%d messages in Verwerkt, want 1", n)
	}
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }
