package cosign

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"

	"golang.org/x/crypto/nacl/secretbox"
	"golang.org/x/crypto/scrypt"
)

// PEM block types of cosign's key files. Keys written by cosign v2 (and
// sigstore's cryptoutils) are ENCRYPTED SIGSTORE PRIVATE KEY; cosign v1
// wrote ENCRYPTED COSIGN PRIVATE KEY, with the same contents.
const (
	EncryptedKeyPEMType       = "ENCRYPTED SIGSTORE PRIVATE KEY"
	legacyEncryptedKeyPEMType = "ENCRYPTED COSIGN PRIVATE KEY"
	PublicKeyPEMType          = "PUBLIC KEY"
)

// ErrWrongPassword is returned (wrapped) when a key does not decrypt.
var ErrWrongPassword = errors.New("wrong password (or a corrupt key file)")

// encryptedKey is the JSON inside an encrypted key's PEM block: the
// go-securesystemslib "encrypted" format (scrypt key derivation,
// nacl/secretbox encryption) around the PKCS#8 DER of the private key.
// []byte fields are base64 in JSON, as there.
type encryptedKey struct {
	KDF struct {
		Name   string       `json:"name"`
		Params scryptParams `json:"params"`
		Salt   []byte       `json:"salt"`
	} `json:"kdf"`
	Cipher struct {
		Name  string `json:"name"`
		Nonce []byte `json:"nonce"`
	} `json:"cipher"`
	Ciphertext []byte `json:"ciphertext"`
}

type scryptParams struct {
	N int `json:"N"`
	R int `json:"r"`
	P int `json:"p"`
}

// The scrypt parameters go-securesystemslib accepts (legacy, standard,
// OWASP); anything else is refused, as there, so that a key file cannot
// make us spend unbounded memory. New keys use the standard ones.
var (
	allowedParams = []scryptParams{{32768, 8, 1}, {65536, 8, 1}, {131072, 8, 1}}
	newKeyParams  = scryptParams{65536, 8, 1}
)

// ParsePrivateKey reads a cosign private key: an encrypted cosign/sigstore
// key (decrypted with password; cosign treats a missing password as
// empty), or an unencrypted PKCS#8 or SEC 1 EC key. Only ECDSA keys are
// supported.
func ParsePrivateKey(pemBytes, password []byte) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	var key any
	var err error
	switch block.Type {
	case EncryptedKeyPEMType, legacyEncryptedKeyPEMType:
		der, derr := decrypt(block.Bytes, password)
		if derr != nil {
			return nil, derr
		}
		key, err = x509.ParsePKCS8PrivateKey(der)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("unsupported PEM block %q (want %s)", block.Type, EncryptedKeyPEMType)
	}
	if err != nil {
		return nil, fmt.Errorf("parsing the private key: %w", err)
	}
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("the key is a %T; only ECDSA keys are supported", key)
	}
	return ec, nil
}

func decrypt(data, password []byte) ([]byte, error) {
	var k encryptedKey
	if err := json.Unmarshal(data, &k); err != nil {
		return nil, fmt.Errorf("reading the encrypted key: %w", err)
	}
	if k.KDF.Name != "scrypt" {
		return nil, fmt.Errorf("unsupported key derivation %q", k.KDF.Name)
	}
	if k.Cipher.Name != "nacl/secretbox" {
		return nil, fmt.Errorf("unsupported cipher %q", k.Cipher.Name)
	}
	ok := false
	for _, p := range allowedParams {
		ok = ok || p == k.KDF.Params
	}
	if !ok {
		return nil, fmt.Errorf("unsupported scrypt parameters %+v", k.KDF.Params)
	}
	var nonce [24]byte
	if len(k.Cipher.Nonce) != len(nonce) {
		return nil, errors.New("bad nonce size")
	}
	copy(nonce[:], k.Cipher.Nonce)
	kb, err := scrypt.Key(password, k.KDF.Salt, k.KDF.Params.N, k.KDF.Params.R, k.KDF.Params.P, 32)
	if err != nil {
		return nil, err
	}
	var key [32]byte
	copy(key[:], kb)
	der, ok := secretbox.Open(nil, k.Ciphertext, &nonce, &key)
	if !ok {
		return nil, ErrWrongPassword
	}
	return der, nil
}

// ParsePublicKey reads a PEM PUBLIC KEY (PKIX), as cosign.pub holds.
func ParsePublicKey(pemBytes []byte) (*ecdsa.PublicKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if block.Type != PublicKeyPEMType {
		return nil, fmt.Errorf("unsupported PEM block %q (want %s)", block.Type, PublicKeyPEMType)
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	ec, ok := key.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("the key is a %T; only ECDSA keys are supported", key)
	}
	return ec, nil
}

// KeyID names a public key in messages: the first 16 hex digits of the
// sha256 of its PKIX DER.
func KeyID(pub crypto.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "?"
	}
	h := sha256.Sum256(der)
	return hex.EncodeToString(h[:8])
}

// GenerateKeyPair makes an ECDSA P-256 key pair in cosign's format: the
// private key encrypted with password (cosign.key), the public key PEM
// (cosign.pub). `cosign generate-key-pair` writes the same.
func GenerateKeyPair(password []byte) (privPEM, pubPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	var k encryptedKey
	k.KDF.Name, k.KDF.Params = "scrypt", newKeyParams
	k.KDF.Salt = make([]byte, 32)
	k.Cipher.Name = "nacl/secretbox"
	k.Cipher.Nonce = make([]byte, 24)
	if _, err := rand.Read(k.KDF.Salt); err != nil {
		return nil, nil, err
	}
	if _, err := rand.Read(k.Cipher.Nonce); err != nil {
		return nil, nil, err
	}
	kb, err := scrypt.Key(password, k.KDF.Salt, newKeyParams.N, newKeyParams.R, newKeyParams.P, 32)
	if err != nil {
		return nil, nil, err
	}
	var boxKey [32]byte
	var nonce [24]byte
	copy(boxKey[:], kb)
	copy(nonce[:], k.Cipher.Nonce)
	k.Ciphertext = secretbox.Seal(nil, der, &nonce, &boxKey)
	data, err := json.Marshal(k)
	if err != nil {
		return nil, nil, err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: EncryptedKeyPEMType, Bytes: data}),
		pem.EncodeToMemory(&pem.Block{Type: PublicKeyPEMType, Bytes: pubDER}), nil
}
