package stack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Postgres gives a test a PostgreSQL store of its own: the URL of the
// database e2e/pgstack runs (KLACHTENBUS_POSTGRES) with a new, empty
// schema as its search path, dropped when the test ends. Without a
// database the test is skipped, unless KLACHTENBUS_POSTGRES_REQUIRED is
// set (CI, where skipping is failing).
func Postgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv("KLACHTENBUS_POSTGRES")
	if base == "" {
		if os.Getenv("KLACHTENBUS_POSTGRES_REQUIRED") != "" {
			t.Fatal("KLACHTENBUS_POSTGRES is not set; e2e/pgstack start DIR sets one up")
		}
		t.Skip("no PostgreSQL: set KLACHTENBUS_POSTGRES (e2e/pgstack start DIR)")
	}
	url, drop, err := PostgresSchema(base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	return url
}

// PostgresSchema makes a new, empty schema in the database at base and
// returns base with it as the search path, and a function that drops it.
func PostgresSchema(base string) (string, func(), error) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, fmt.Errorf("PostgreSQL at %s: %w", base, err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		conn.Close(ctx)
		return "", nil, err
	}
	drop := func() {
		conn.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		conn.Close(context.Background())
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}
