package mailout

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"sync"
)

// SentLog narrows the one window SMTP leaves open. Once a message and its
// final dot are written to the server, the server will queue it even if
// this process dies; the store's record comes only after the server's
// answer (a queue file's fsync away) and a transaction that may wait for
// other writers. A line appended to this file is one write(2), done the
// moment the dot is written, and it survives the process (the kernel
// holds it even after SIGKILL). After a restart, a mail the store left in
// doubt but this log names is recorded as sent instead of being sent
// again. What remains is the few microseconds between writing the dot and
// writing the line.
//
// The log holds only outbox IDs, and only until the store has caught up:
// it is emptied whenever the outbox is drained.
type SentLog struct {
	mu    sync.Mutex
	f     *os.File
	prev  map[int64]bool // IDs logged before this process started
	dirty bool
}

// OpenSentLog opens (creating if needed) the log at path and reads what
// an earlier process left in it.
func OpenSentLog(path string) (*SentLog, error) {
	l := &SentLog{prev: map[int64]bool{}}
	r, err := os.Open(path)
	switch {
	case err == nil:
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			// A torn last line (a crash mid-write) simply doesn't parse.
			if id, err := strconv.ParseInt(sc.Text(), 10, 64); err == nil {
				if id > 0 {
					l.prev[id] = true
				} else {
					delete(l.prev, -id) // "-id" takes an earlier "id" back
				}
			}
		}
		r.Close()
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("sent log %s: %w", path, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("sent log: %w", err)
	}
	l.f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sent log: %w", err)
	}
	l.dirty = len(l.prev) > 0
	return l, nil
}

// handedOver records that the outbox mail id was handed to the server
// whole: it has it, even if this process dies before its answer.
func (l *SentLog) handedOver(id int64) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dirty = true
	_, err := l.f.WriteString(strconv.FormatInt(id, 10) + "\n")
	return err
}

// refused takes back a handedOver: the server refused the mail after all.
func (l *SentLog) refused(id int64) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err := l.f.WriteString("-" + strconv.FormatInt(id, 10) + "\n")
	return err
}

// wasHandedOver reports whether an earlier process logged id as handed
// over.
func (l *SentLog) wasHandedOver(id int64) bool {
	if l == nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.prev[id]
}

// drained empties the log: the store has recorded every mail in it, and
// every mail an earlier process left in doubt was looked up.
func (l *SentLog) drained() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.dirty {
		return nil
	}
	l.prev = map[int64]bool{}
	l.dirty = false
	return l.f.Truncate(0)
}

// Close closes the log file.
func (l *SentLog) Close() error {
	if l == nil {
		return nil
	}
	return l.f.Close()
}
