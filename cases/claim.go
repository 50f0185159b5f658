package cases

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/klachtenbus/klachtenbus/cases/store"
)

// ClaimMail claims up to limit due mails for one daemon of several that
// share a store (see store.Store.ClaimMail), their payloads decoded.
func ClaimMail(ctx context.Context, st *store.Store, now time.Time, limit int, holder string, ttl time.Duration) ([]OutMail, error) {
	rows, err := st.ClaimMail(ctx, now, limit, MailDataVersion, holder, ttl)
	if err != nil {
		return nil, err
	}
	return decodeMails(rows)
}

// decodeMails decodes the payloads of outbox rows by their kind and data
// version: a version 1 row is MailData's JSON, a version 2 row the typed
// payload of its kind, of which the view is built. A row whose payload
// cannot be read (an unknown kind, a version this binary does not know,
// bad JSON) is an error: the sender stops rather than send nonsense.
func decodeMails(rows []store.Mail) ([]OutMail, error) {
	out := make([]OutMail, len(rows))
	for i, r := range rows {
		out[i].Mail = r
		d, err := decodeMailData(r.Kind, r.DataVersion, r.Data)
		if err != nil {
			return nil, fmt.Errorf("due mail %d: bad data: %w", r.ID, err)
		}
		out[i].Data = d
	}
	return out, nil
}

// decodeMailData reads the stored payload of a mail of a kind, as the
// version it was written by, into its template data.
func decodeMailData(kind string, version int, b []byte) (MailData, error) {
	switch version {
	case MailDataV1:
		var d MailData
		err := json.Unmarshal(b, &d)
		return d, err
	case MailDataVersion:
		p, err := DecodePayload(kind, b)
		if err != nil {
			return MailData{}, err
		}
		return p.view(), nil
	default:
		return MailData{}, fmt.Errorf("unknown data version %d", version)
	}
}
