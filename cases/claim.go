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

// decodeMails decodes the payloads of outbox rows. A row whose payload
// cannot be read is an error: the sender stops rather than send nonsense.
func decodeMails(rows []store.Mail) ([]OutMail, error) {
	out := make([]OutMail, len(rows))
	for i, r := range rows {
		out[i].Mail = r
		if err := json.Unmarshal(r.Data, &out[i].Data); err != nil {
			return nil, fmt.Errorf("due mail %d: bad data: %w", r.ID, err)
		}
	}
	return out, nil
}
