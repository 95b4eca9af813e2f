#!/usr/bin/env bash
# Dependency rule (C1): protocol/, storage/, transport/ and providers/ never
# include CAF; Beast stays in transport/; RapidJSON only in protocol/ and
# providers/ .cpp files and private *_internal.hpp headers (and tests);
# poppler only in providers/pdf_text.cpp.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
check() {  # pattern, description, paths...
  local pattern="$1" what="$2"; shift 2
  local hits
  hits=$(grep -rnE "$pattern" "$@" 2>/dev/null || true)
  if [ -n "$hits" ]; then
    echo "forbidden include ($what):"; echo "$hits"; fail=1
  fi
}
check '#include\s*[<"]caf/' "CAF outside actors/ and tools/" protocol storage transport providers
# tools/bench/ holds standalone load tools (wingman-bench, the echo baseline)
# that speak only the public wire protocol on raw Asio, by design (issue 5);
# they link no gateway library, so they are outside the layering rule.
check '#include\s*[<"]boost/(beast|asio)' "Beast/Asio outside transport/" protocol storage actors providers tools/wingman ui
public_headers=$(ls protocol/*.hpp | grep -v '_internal\.hpp$')
# providers/: RapidJSON in .cpp files and private *_internal.hpp only.
provider_headers=$(find providers -name '*.hpp' ! -name '*_internal.hpp')
# tools/fake_llm/ (wingman-fake-llm) is a standalone test server that links
# no gateway library; it reads request JSON with RapidJSON by design.
tools_files=$(find tools -path tools/fake_llm -prune -o -type f -print)
# shellcheck disable=SC2086
check '#include\s*[<"]rapidjson/' "RapidJSON outside protocol/ and providers/ sources" storage transport actors $tools_files $public_headers $provider_headers
# poppler (docs/adr/0004): only providers/pdf_text.cpp.
poppler_hits=$(grep -rlE '#include\s*[<"]poppler/' protocol storage transport actors providers tools ui 2>/dev/null | grep -v '^providers/pdf_text\.cpp$' || true)
if [ -n "$poppler_hits" ]; then
  echo "forbidden include (poppler outside providers/pdf_text.cpp):"; echo "$poppler_hits"; fail=1
fi
if [ $fail -ne 0 ]; then exit 1; fi
echo "check_includes: ok"
