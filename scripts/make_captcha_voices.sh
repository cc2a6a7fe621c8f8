#!/usr/bin/env bash
# Generate the French voice samples used by the audio captcha (espace/captcha/media.py).
#
# Output layout (the one captcha.audio.AudioCaptcha(voicedir=...) expects, and
# the one espace/captcha/media.py reads):
#
#     espace/captcha_voices/fr/<CHAR>/<variant>.wav
#
# one sub-directory per character of ALPHABET, each holding one WAV per voice
# variant (8 kHz, mono, 8-bit unsigned PCM, leading/trailing silence trimmed).
# Several variants per character let the captcha pick a random voice for each
# character, so two occurrences of the same letter do not sound identical.
#
# Requirements: espeak-ng and sox (Debian packages "espeak-ng" and "sox").
#
# Usage:
#     scripts/make_captcha_voices.sh            # alphabet read from espace/captcha/media.py
#     scripts/make_captcha_voices.sh AEHK       # explicit alphabet (A-Z only)
#
# Environment: CAPTCHA_VOICES_DIR overrides the output directory.
#
# The output is reproducible: espeak-ng is deterministic and sox is run with -R
# (fixed seed for its dither), so re-running the script does not produce
# spurious git diffs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${CAPTCHA_VOICES_DIR:-$ROOT/espace/captcha_voices/fr}"

if [[ $# -ge 1 ]]; then
    ALPHABET="$1"
else
    # Single source of truth: the ALPHABET = "..." line of espace/captcha/media.py.
    ALPHABET="$(sed -n 's/^ALPHABET = "\([A-Z]*\)".*/\1/p' "$ROOT/espace/captcha/media.py")"
fi
if [[ ! "$ALPHABET" =~ ^[A-Z]+$ ]]; then
    echo "error: alphabet must be non-empty and made of A-Z only (got '$ALPHABET')" >&2
    exit 1
fi

for tool in espeak-ng sox; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "error: $tool not found (apt-get install -y espeak-ng sox)" >&2
        exit 1
    fi
done

# espeak-ng voice variants: default French male voice, a female and another
# male variant. Only the timbre changes, never the pronunciation.
VARIANTS=("fr" "fr+f3" "fr+m3")

# Speaking rate in words per minute (espeak-ng default: 175). Slightly slower
# than the default so that isolated letters are easier to catch.
SPEED=140

# What we feed espeak-ng for each letter. espeak-ng (1.51) reads a lone capital
# letter as its French letter name ("A" -> /a/, "H" -> /aʃ/, "W" -> /dubləve/...),
# which is exactly what we want, so the text is the letter itself. Spelled-out
# forms are worse: e.g. "ème" is read /jɛm/ and "effe" /ef/. If a future
# espeak-ng version changes this, put an explicit spelling here (or espeak-ng
# phoneme input, e.g. "[[a]]") and update EXPECTED_IPA.
declare -A SPOKEN=()

# Expected pronunciation (espeak-ng --ipa output, stress marks included) of the
# French letter names. The script refuses to produce a voice whose
# pronunciation differs: we cannot listen to the files in CI, so this is how
# the "French letter name" requirement is checked.
declare -A EXPECTED_IPA=(
    [A]="ˈa"        [B]="bˈe"       [C]="sˈe"       [D]="dˈe"
    [E]="ˈə"        [F]="ˈɛf"       [G]="ʒˈe"       [H]="ˈaʃ"
    [I]="ˈi"        [J]="ʒˈi"       [K]="kˈa"       [L]="ˈɛl"
    [M]="ˈɛm"       [N]="ˈɛn"       [O]="ˈo"        [P]="pˈe"
    [Q]="kˈy"       [R]="ˈɛʁ"       [S]="ˈɛs"       [T]="tˈe"
    [U]="ˈy"        [V]="vˈe"       [W]="dubləvˈe"  [X]="ˈiks"
    [Y]="iɡʁˈɛk"    [Z]="zˈɛd"
)

# sox processing, in order:
#   silence ... reverse silence ... reverse : trim leading then trailing
#       silence (anything under 1 % of full scale for more than 20 ms);
#   rate 8000          : resample to 8 kHz (done explicitly so the filters
#                        below act on the final band);
#   highpass 120       : remove rumble/DC that wastes the 8-bit range;
#   treble +6 3000     : lift 2.5-4 kHz, where what remains of the consonants
#                        (k, t, ʃ, ...) lives once the band stops at 4 kHz;
#   compand ...        : raise quiet parts (consonants) relative to vowels so
#                        they survive 8-bit quantisation;
#   norm -1            : peak at -1 dBFS.
# Output format: 8 kHz, mono, 8-bit unsigned PCM (same as the captcha package).
SOX_EFFECTS=(
    silence 1 0.02 1% reverse silence 1 0.02 1% reverse
    rate 8000
    highpass 120
    treble +6 3000
    compand 0.005,0.1 -70,-70,-60,-30,-20,-10,0,-6 -3
    norm -1
)

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# Start from a clean directory so that letters removed from the alphabet do
# not leave stale voices behind.
rm -rf "$OUT"
mkdir -p "$OUT"

for (( i = 0; i < ${#ALPHABET}; i++ )); do
    char="${ALPHABET:i:1}"
    text="${SPOKEN[$char]:-$char}"
    mkdir -p "$OUT/$char"
    for variant in "${VARIANTS[@]}"; do
        ipa="$(espeak-ng -v "$variant" -q --ipa "$text" | tr -d '[:space:]')"
        expected="${EXPECTED_IPA[$char]:-}"
        if [[ "$ipa" != "$expected" ]]; then
            echo "error: espeak-ng -v $variant says '$text' as /$ipa/, expected /$expected/" >&2
            exit 1
        fi
        name="${variant//+/-}"
        espeak-ng -v "$variant" -s "$SPEED" -w "$TMP/raw.wav" "$text"
        sox -R "$TMP/raw.wav" -r 8000 -c 1 -b 8 -e unsigned-integer \
            "$OUT/$char/$name.wav" "${SOX_EFFECTS[@]}"
        printf '%s  %-6s /%s/  %ss\n' "$char" "$variant" "$ipa" \
            "$(soxi -D "$OUT/$char/$name.wav")"
    done
done

echo "Voices written to $OUT"
