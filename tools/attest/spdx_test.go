package attest

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestMergeSPDXKeepsArchesApart(t *testing.T) {
	doc := func(file string) []byte {
		return []byte(`{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","documentNamespace":"x","creationInfo":{"created":"2026-01-01T00:00:00Z"},
"documentDescribes":["SPDXRef-DocumentRoot-Directory-"],
"packages":[{"SPDXID":"SPDXRef-DocumentRoot-Directory-","name":"/"},{"SPDXID":"SPDXRef-Package-busybox-1","name":"busybox","hasFiles":["SPDXRef-File-1"]}],
"files":[{"SPDXID":"SPDXRef-File-1","fileName":"` + file + `"}],
"relationships":[{"spdxElementId":"SPDXRef-DocumentRoot-Directory-","relationshipType":"CONTAINS","relatedSpdxElement":"SPDXRef-Package-busybox-1"},
{"spdxElementId":"SPDXRef-DOCUMENT","relationshipType":"DESCRIBES","relatedSpdxElement":"SPDXRef-DocumentRoot-Directory-"}]}`)
	}
	docs := []SPDX{{Arch: "arm64", Image: "sha256:b", Doc: doc("/bin/busybox")}, {Arch: "amd64", Image: "sha256:a", Doc: doc("/bin/busybox")}}
	b, err := MergeSPDX("lkt/pkg:t", 0, docs)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		SPDXVersion  string `json:"spdxVersion"`
		Namespace    string `json:"documentNamespace"`
		CreationInfo struct {
			Created string `json:"created"`
		} `json:"creationInfo"`
		Packages []struct {
			SPDXID   string   `json:"SPDXID"`
			HasFiles []string `json:"hasFiles"`
		} `json:"packages"`
		Files []struct {
			SPDXID   string `json:"SPDXID"`
			FileName string `json:"fileName"`
		} `json:"files"`
		Relationships []map[string]string `json:"relationships"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.SPDXVersion != "SPDX-2.3" || m.CreationInfo.Created != "1970-01-01T00:00:00Z" || !strings.HasPrefix(m.Namespace, "https://spdx.org/spdxdocs/lkpkg/lkt/pkg:t-sha256-") {
		t.Errorf("header: %s %s %s", m.SPDXVersion, m.CreationInfo.Created, m.Namespace)
	}
	if len(m.Packages) != 4 || m.Packages[1].SPDXID != "SPDXRef-amd64-Package-busybox-1" || m.Packages[3].HasFiles[0] != "SPDXRef-arm64-File-1" {
		t.Errorf("packages: %+v", m.Packages)
	}
	if len(m.Files) != 2 || m.Files[0].SPDXID != "SPDXRef-amd64-File-1" || m.Files[1].FileName != "/bin/busybox" {
		t.Errorf("files: %+v", m.Files)
	}
	describes := 0
	for _, r := range m.Relationships {
		if r["spdxElementId"] == "SPDXRef-DOCUMENT" && r["relationshipType"] == "DESCRIBES" {
			describes++
			if !strings.HasPrefix(r["relatedSpdxElement"], "SPDXRef-a") {
				t.Errorf("DESCRIBES %s", r["relatedSpdxElement"])
			}
		}
	}
	if describes != 2 || len(m.Relationships) != 4 {
		t.Errorf("relationships: %v", m.Relationships)
	}
	// Same input, same bytes, whatever the order docs come in.
	b2, _ := MergeSPDX("lkt/pkg:t", 0, []SPDX{docs[1], docs[0]})
	if string(b) != string(b2) {
		t.Error("merging the same documents twice gives different bytes")
	}
	if _, err := MergeSPDX("lkt/pkg:t", 0, nil); err == nil || !strings.Contains(err.Error(), "--sbom-scanner") {
		t.Errorf("no documents: %v", err)
	}
	if _, err := MergeSPDX("x", 0, []SPDX{{Arch: "amd64", Doc: []byte(`{"spdxVersion":"SPDX-3.0"}`)}}); err == nil {
		t.Error("an SPDX 3 document was merged")
	}
}
