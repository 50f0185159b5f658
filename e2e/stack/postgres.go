package stack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("PostgreSQL at %s: %v", base, err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		conn.Close(ctx)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		conn.Close(context.Background())
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
