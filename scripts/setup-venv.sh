# Sourced by run.sh and test.sh: a virtualenv in .venv with the given requirements file installed.
# Reinstalls only when the requirements change.
VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
requirements="$1"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.installed-$(basename "$requirements")"
digest="$(cat requirements*.txt | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -r "$requirements"
  echo "$digest" > "$stamp"
fi
export PATH="$PWD/$VENV/bin:$PATH"
