package buildkitd

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
)

// MachineConfig is the BuildKit daemon a machine's builds use, read from a
// file on the machine that runs lkpkg. Bazel actions read it where they
// execute (a laptop, a CI runner, a remote worker), so the address is never
// part of an action's key and every machine shares cache entries.
type MachineConfig struct {
	// Address is unix:///path/to/buildkitd.sock or tcp://host:port.
	Address string `json:"address"`
	// TLS is the client mTLS material for a tcp:// daemon.
	TLS struct {
		CA         string `json:"ca,omitempty"`
		Cert       string `json:"cert,omitempty"`
		Key        string `json:"key,omitempty"`
		ServerName string `json:"server_name,omitempty"`
	} `json:"tls"`
	// Insecure accepts a plaintext tcp:// daemon on another host (as
	// --builder-insecure does); without it such an address is refused.
	Insecure bool `json:"insecure,omitempty"`

	// File is where the config was read from (for messages).
	File string `json:"-"`
}

// MachineConfigName is the file's name in each directory of MachineConfigFiles.
const MachineConfigName = "buildkit.json"

// maxMachineConfig bounds the file: it holds an address and a few paths.
const maxMachineConfig = 64 << 10

// systemConfigDir is the machine-wide directory; a variable for tests.
var systemConfigDir = "/etc/rules_linuxkit"

// MachineConfigFiles lists where lkpkg looks for the machine's BuildKit
// config, first match wins: the user's
// ${XDG_CONFIG_HOME:-~/.config}/rules_linuxkit/buildkit.json, then
// /etc/rules_linuxkit/buildkit.json. The home directory comes from the
// password database when $HOME is unset, as it is in Bazel actions.
func MachineConfigFiles() []string {
	var files []string
	if d := userConfigDir(); d != "" {
		files = append(files, filepath.Join(d, "rules_linuxkit", MachineConfigName))
	}
	return append(files, filepath.Join(systemConfigDir, MachineConfigName))
}

func userConfigDir() string {
	if d, err := os.UserConfigDir(); err == nil {
		return d
	}
	if h := passwdHome(); h != "" {
		return filepath.Join(h, ".config")
	}
	return ""
}

// passwdHome is the current user's home directory from the password
// database, or "".
func passwdHome() string {
	u, err := user.Current()
	if err != nil || u.HomeDir == "" || u.HomeDir == "/" {
		return ""
	}
	return u.HomeDir
}

// LoadMachineConfig reads the first file of MachineConfigFiles that exists.
// It returns nil, nil when there is none.
func LoadMachineConfig() (*MachineConfig, error) {
	for _, f := range MachineConfigFiles() {
		c, err := ReadMachineConfig(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		return c, err
	}
	return nil, nil
}

// ReadMachineConfig parses one config file. Unknown fields are errors, so
// a misspelt key is not silently ignored.
func ReadMachineConfig(file string) (*MachineConfig, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file; it must hold JSON like {\"address\": \"unix:///path/buildkitd.sock\"}", file)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxMachineConfig+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(b) > maxMachineConfig {
		return nil, fmt.Errorf("%s: larger than %d bytes; it holds only an address and TLS file names", file, maxMachineConfig)
	}
	c, err := parseMachineConfig(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	c.File = file
	return c, nil
}

func parseMachineConfig(b []byte) (*MachineConfig, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var c MachineConfig
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%v; want JSON like {\"address\": \"unix:///path/buildkitd.sock\", \"tls\": {\"ca\": ..., \"cert\": ..., \"key\": ...}}", err)
	}
	if dec.More() {
		return nil, errors.New("more than one JSON value; want one object")
	}
	if err := checkAddress(c.Address); err != nil {
		return nil, fmt.Errorf("field \"address\": %w", err)
	}
	return &c, nil
}

// tls returns the config's TLS material as a TLS.
func (c *MachineConfig) tls() TLS {
	return TLS{CA: c.TLS.CA, Cert: c.TLS.Cert, Key: c.TLS.Key, ServerName: c.TLS.ServerName}
}
