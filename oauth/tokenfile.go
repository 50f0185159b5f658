package oauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// tokenFile is what `klachtenbus login` leaves behind.
type tokenFile struct {
	RefreshToken string    `json:"refresh_token"`
	ClientID     string    `json:"client_id"`
	TokenURL     string    `json:"token_url"`
	Saved        time.Time `json:"saved"`
}

// readTokenFile reads the refresh token; it refuses a file others may
// read.
func readTokenFile(path string) (tokenFile, error) {
	var tf tokenFile
	if path == "" {
		return tf, &Error{Kind: KindNoLogin, Words: "oauth2.token_file is not set: the device flow keeps its refresh token there"}
	}
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return tf, &Error{Kind: KindNoLogin, Words: fmt.Sprintf("no token file %s: run `klachtenbus login` once to let a person grant access", path)}
	}
	if err != nil {
		return tf, &Error{Kind: KindNoLogin, Words: fmt.Sprintf("token file %s: %v", path, errors.Unwrap(err))}
	}
	if fi.Mode().Perm()&0o007 != 0 {
		return tf, &Error{Kind: KindFileMode, Words: fmt.Sprintf("token file %s is readable by everyone (mode %04o): it holds a refresh token; chmod 600 it, or run `klachtenbus login` again", path, fi.Mode().Perm())}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return tf, &Error{Kind: KindNoLogin, Words: fmt.Sprintf("token file %s: %v", path, errors.Unwrap(err))}
	}
	if err := json.Unmarshal(b, &tf); err != nil || tf.RefreshToken == "" {
		return tf, &Error{Kind: KindNoLogin, Words: fmt.Sprintf("token file %s holds no refresh token: run `klachtenbus login` again", path)}
	}
	return tf, nil
}

// writeTokenFile replaces the token file atomically (a new file, mode
// 0600, synced, renamed over the old one), so that a crash leaves either
// the old refresh token or the new one, never half of one.
func writeTokenFile(path string, tf tokenFile) error {
	b, err := json.MarshalIndent(tf, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("saving the refresh token: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after the rename, a no-op
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("saving the refresh token: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("saving the refresh token: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("saving the refresh token: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("saving the refresh token: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("saving the refresh token: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
