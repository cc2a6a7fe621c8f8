"""Benchmark of the captcha module (not a test).

Prints the mean time of render_png and render_wav, the duration of the audio
for a 6-character text, and the same figures for the captcha package's
AudioCaptcha fed with our French voices, for comparison.

Usage: .venv/bin/python bench/captcha_bench.py [runs]    (--smoke: 2 runs, checks it still runs)
"""
import io
import statistics
import sys
import time
import wave
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from captcha.audio import AudioCaptcha  # noqa: E402

from espace.captcha import media as captcha  # noqa: E402


def mean_ms(fn, texts):
    timings = []
    for text in texts:
        start = time.perf_counter()
        fn(text)
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.mean(timings), max(timings)


def duration(data):
    with wave.open(io.BytesIO(data)) as w:
        return w.getnframes() / w.getframerate()


def main():
    args = sys.argv[1:]
    runs = 2 if args == ["--smoke"] else int(args[0]) if args else 50
    texts = [captcha.new_text() for _ in range(runs)]
    # Warm-up: font loading and voice loading happen once per process.
    captcha.render_png(texts[0])
    captcha.render_wav(texts[0])

    print(f"captcha bench: {runs} random texts of {captcha.LENGTH} characters "
          f"from {captcha.ALPHABET!r} ({len(captcha.ALPHABET)} letters)")

    mean, worst = mean_ms(captcha.render_png, texts)
    size = statistics.mean(len(captcha.render_png(t)) for t in texts[:10])
    print(f"render_png              : {mean:7.2f} ms mean, {worst:7.2f} ms max, ~{size / 1024:.1f} KB")

    mean, worst = mean_ms(captcha.render_wav, texts)
    secs = [duration(captcha.render_wav(t)) for t in texts]
    size = statistics.mean(len(captcha.render_wav(t)) for t in texts[:10])
    print(f"render_wav              : {mean:7.2f} ms mean, {worst:7.2f} ms max, ~{size / 1024:.1f} KB")
    print(f"  audio duration        : {statistics.mean(secs):7.2f} s mean "
          f"({min(secs):.2f}-{max(secs):.2f} s), read {captcha.READINGS} times")
    worst_text = "W" * captcha.LENGTH  # longest letter name ("double vé")
    print(f"  worst case {worst_text!r}: {duration(captcha.render_wav(worst_text)):7.2f} s")

    package = AudioCaptcha(voicedir=str(captcha.VOICES_DIR))
    package.load()
    package_runs = texts[: min(runs, 10)]  # it is slow
    mean, worst = mean_ms(package.generate, package_runs)
    secs = [duration(bytes(package.generate(t))) for t in package_runs]
    print(f"AudioCaptcha (package)  : {mean:7.2f} ms mean, {worst:7.2f} ms max "
          f"({len(package_runs)} runs, same French voices)")
    print(f"  audio duration        : {statistics.mean(secs):7.2f} s mean "
          f"({min(secs):.2f}-{max(secs):.2f} s), read once")


if __name__ == "__main__":
    main()
