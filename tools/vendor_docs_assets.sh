#!/usr/bin/env bash
# Re-vendor the API docs' static files (Swagger UI and ReDoc) from the npm registry.
#
#   tools/vendor_docs_assets.sh                  # newest swagger-ui-dist 5.x and redoc 2.x
#   tools/vendor_docs_assets.sh 5.35.0 2.5.4     # exact versions
#
# Replaces src/offertracker_http/docs_assets/ with the files the /docs and /redoc pages load
# plus the licences, and rewrites its README.md with the versions and checksums. Our own
# swagger-init.js is kept. Source maps are left out on purpose (6 MB nobody needs offline).
# Needs npm, tar and sha256sum; run from anywhere.
set -euo pipefail

swagger_spec="swagger-ui-dist@${1:-5}"
redoc_spec="redoc@${2:-2}"

repo=$(cd "$(dirname "$0")/.." && pwd)
dest="$repo/src/offertracker_http/docs_assets"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "$swagger_spec" "$redoc_spec" >/dev/null
mkdir swagger redoc
tar -xzf swagger-ui-dist-*.tgz -C swagger --strip-components=1
tar -xzf redoc-*.tgz -C redoc --strip-components=1
swagger_version=$(node -p 'require("./swagger/package.json").version')
redoc_version=$(node -p 'require("./redoc/package.json").version')

mkdir -p "$dest"
# Only the upstream files go; swagger-init.js and anything else of ours stays.
rm -f "$dest"/swagger-ui-bundle.js "$dest"/swagger-ui-bundle.js.LICENSE.txt "$dest"/swagger-ui.css \
    "$dest"/favicon-32x32.png "$dest"/swagger-ui.LICENSE.txt "$dest"/swagger-ui.NOTICE.txt \
    "$dest"/redoc.standalone.js "$dest"/redoc.standalone.js.LICENSE.txt "$dest"/redoc.LICENSE.txt
cp swagger/swagger-ui-bundle.js swagger/swagger-ui-bundle.js.LICENSE.txt swagger/swagger-ui.css \
    swagger/favicon-32x32.png "$dest"/
cp swagger/LICENSE "$dest"/swagger-ui.LICENSE.txt
cp swagger/NOTICE "$dest"/swagger-ui.NOTICE.txt
cp redoc/bundles/redoc.standalone.js redoc/bundles/redoc.standalone.js.LICENSE.txt "$dest"/
cp redoc/LICENSE "$dest"/redoc.LICENSE.txt

cd "$dest"
{
    cat <<TEXT
# Vendored API documentation assets

Served by \`offertracker_http/routes/docs.py\` under \`/docs/assets/\`, so \`/docs\` (Swagger UI)
and \`/redoc\` (ReDoc) work without any network access. Do not edit the upstream files by
hand: run \`tools/vendor_docs_assets.sh\` (optionally with exact versions) to replace them.

| package (npm) | version | files |
|---|---|---|
| swagger-ui-dist | ${swagger_version} | swagger-ui-bundle.js (+ .LICENSE.txt), swagger-ui.css, favicon-32x32.png, swagger-ui.LICENSE.txt (Apache-2.0), swagger-ui.NOTICE.txt |
| redoc | ${redoc_version} | redoc.standalone.js (+ .LICENSE.txt), redoc.LICENSE.txt (MIT) |

The packages' \`LICENSE\` and \`NOTICE\` are renamed \`<package>.LICENSE.txt\` /
\`.NOTICE.txt\` so both packages' licences fit one flat folder; every \`.js\`, \`.css\`, \`.png\` and
\`.txt\` here is served (the licences as \`text/plain\`), this README is not.

Ours (not vendored): \`swagger-init.js\`, which starts Swagger UI from a file rather than an
inline script, so a Content-Security-Policy without \`'unsafe-inline'\` does not block it.

The upstream files are byte-for-byte those of the npm tarballs (source maps left out, so a
browser's developer tools asking for \`*.map\` get a 404). SHA-256:

\`\`\`text
TEXT
    sha256sum swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css favicon-32x32.png \
        swagger-ui.LICENSE.txt swagger-ui.NOTICE.txt redoc.standalone.js redoc.standalone.js.LICENSE.txt redoc.LICENSE.txt
    echo '```'
} > README.md

echo "vendored swagger-ui-dist ${swagger_version} and redoc ${redoc_version} into ${dest#"$repo"/}"
