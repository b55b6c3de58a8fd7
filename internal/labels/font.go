package labels

import (
	"embed"
	"encoding/binary"
	"fmt"
)

// The label font and its licence travel in the binary together (font/README.md says where they come from),
// so a label prints the same on every viewer and printer, and naming both here makes a build without the
// licence fail.
//
//go:embed font/DejaVuSansCondensed.ttf font/LICENSE
var fontFiles embed.FS

const (
	fontPath   = "font/DejaVuSansCondensed.ttf"
	fontFamily = "DejaVuSansCondensed"
)

var (
	fontTTF = mustRead(fontPath)
	// glyphs are the characters the font can draw, read once: every label line is checked against them.
	glyphs = mustCoverage(fontTTF)
)

func mustRead(name string) []byte {
	b, err := fontFiles.ReadFile(name)
	if err != nil {
		panic(err) // the file is named in the embed directive, so the build already proved it is there
	}
	return b
}

// runeSet holds runes of the Basic Multilingual Plane, one bit each: fpdf writes text as 16-bit codes, so
// nothing above it can be printed at all.
type runeSet [0x10000 / 64]uint64

func (s *runeSet) add(r rune) { s[r/64] |= 1 << (r % 64) }

func (s *runeSet) has(r rune) bool { return r >= 0 && r < 0x10000 && s[r/64]&(1<<(r%64)) != 0 }

// mustCoverage reads which characters the font maps to a glyph other than .notdef. fpdf does not say: for
// a character the font lacks it draws the empty-box .notdef glyph and still tells text extraction the
// character is there. It reads the same table fpdf does: the first Unicode cmap subtable (platform 0, or
// Windows Unicode BMP 3/1) in format 4. A font without one is a build error, so it panics.
func mustCoverage(ttf []byte) *runeSet {
	sub, err := cmapFormat4(ttf)
	if err != nil {
		panic(fmt.Sprintf("labels: %s: %v", fontPath, err))
	}
	u16 := func(off int) int { return int(binary.BigEndian.Uint16(sub[off:])) }
	segs := u16(6) / 2
	ends, starts, deltas, rangeOffsets := 14, 16+2*segs, 16+4*segs, 16+6*segs
	var set runeSet
	for i := range segs {
		end, start := u16(ends+2*i), u16(starts+2*i)
		delta, ro := u16(deltas+2*i), u16(rangeOffsets+2*i)
		for c := start; c <= end && c < 0xFFFF; c++ {
			g := c + delta
			if ro != 0 {
				// idRangeOffset counts bytes from its own position to the glyph id of start.
				if g = u16(rangeOffsets + 2*i + ro + 2*(c-start)); g != 0 {
					g += delta
				}
			}
			if g&0xFFFF != 0 {
				set.add(rune(c))
			}
		}
	}
	return &set
}

// cmapFormat4 returns the cmap subtable fpdf uses, from its start.
func cmapFormat4(ttf []byte) ([]byte, error) {
	u16 := func(b []byte, off int) int { return int(binary.BigEndian.Uint16(b[off:])) }
	u32 := func(b []byte, off int) int { return int(binary.BigEndian.Uint32(b[off:])) }
	var cmap []byte
	for i := range u16(ttf, 4) {
		rec := 12 + 16*i
		if string(ttf[rec:rec+4]) == "cmap" {
			off := u32(ttf, rec+8)
			cmap = ttf[off : off+u32(ttf, rec+12)]
		}
	}
	if cmap == nil {
		return nil, fmt.Errorf("no cmap table")
	}
	for i := range u16(cmap, 2) {
		rec := 4 + 8*i
		platform, encoding, off := u16(cmap, rec), u16(cmap, rec+2), u32(cmap, rec+4)
		if (platform == 0 || platform == 3 && encoding == 1) && u16(cmap, off) == 4 {
			return cmap[off : off+u16(cmap, off+2)], nil
		}
	}
	return nil, fmt.Errorf("no Unicode cmap subtable in format 4")
}
