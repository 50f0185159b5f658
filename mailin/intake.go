package mailin

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/klachtenbus/klachtenbus/cases"
)

// Intake turns raw messages into case work: it parses and classifies each
// message and hands it to the case engine. A message that cannot be
// parsed is quarantined with the reason; only a failure of the store is
// returned as an error, and then the message stays where it is to be
// tried again.
type Intake struct {
	Engine *cases.Engine
	// Current, if set, gives the engine of the running configuration,
	// which a reload replaces; it overrides Engine.
	Current func() *cases.Engine
	Us      Us
	Log     *slog.Logger
	// Filed, if set, is called after a message was filed, so that the
	// sender can send its answers at once.
	Filed func(cases.Result)
}

func (in *Intake) engine() *cases.Engine {
	if in.Current != nil {
		return in.Current()
	}
	return in.Engine
}

func (in *Intake) log() *slog.Logger {
	if in.Log == nil {
		return slog.Default()
	}
	return in.Log
}

// Process handles one raw message exactly once.
func (in *Intake) Process(ctx context.Context, raw []byte) (res cases.Result, err error) {
	engine := in.engine() // one message, one configuration
	defer func() {
		// A parser bug must cost one message its processing, not the
		// daemon its life: keep the message in quarantine and go on.
		if p := recover(); p != nil {
			in.log().Error("panic while processing message", "panic", p, "stack", string(debug.Stack()))
			res, err = engine.Quarantine(ctx, cases.RawKey(raw), raw, fmt.Sprintf("internal error: %v", p))
		}
	}()
	msg, perr := Parse(raw)
	if perr != nil {
		in.log().Warn("unparseable message quarantined", "err", perr, "size", len(raw))
		return engine.Quarantine(ctx, cases.RawKey(raw), raw, "cannot parse: "+perr.Error())
	}
	Classify(msg, in.Us)
	res, err = engine.Ingest(ctx, msg)
	if err != nil {
		return res, err
	}
	l := in.log().With("message_id", msg.MessageID, "from", msg.From.Email)
	switch {
	case res.Duplicate:
		l.Info("message seen before", "disposition", res.Disposition, "case", res.CaseID)
	case res.Disposition == cases.Ignored:
		l.Info("automatic mail ignored", "reason", res.Reason, "case", res.CaseID)
	case res.Disposition == cases.Quarantined:
		l.Warn("message quarantined", "reason", res.Reason)
	case res.Disposition == cases.Held:
		l.Info("message held", "reason", res.Reason)
	case res.New:
		l.Info("case opened", "case", res.CaseID, "warnings", len(msg.Warnings))
	default:
		l.Info("message added to case", "case", res.CaseID)
	}
	if !res.Duplicate && res.Disposition == cases.Filed && in.Filed != nil {
		in.Filed(res)
	}
	return res, nil
}

// Oversized quarantines a message larger than the limit without reading
// its body; header is its header section, for the dedupe key and the log.
func (in *Intake) Oversized(ctx context.Context, header []byte, size, limit int64) (cases.Result, error) {
	key := cases.RawKey(header)
	msg, err := Parse(append(append([]byte{}, header...), "\r\n"...))
	if err != nil {
		msg = nil // an unreadable header: quarantined, nobody to answer
	} else {
		if msg.MessageID != "" {
			key = cases.DedupeKey(msg)
		}
		Classify(msg, in.Us)
	}
	from := ""
	if msg != nil {
		from = msg.From.Email
	}
	in.log().Warn("oversized message quarantined", "size", size, "limit", limit, "from", from)
	return in.engine().TooLarge(ctx, key, header, msg, size, limit)
}
