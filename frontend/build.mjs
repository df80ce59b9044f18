// Builds Townhall's front-end assets into townhall/static/dist/ (run by `make assets`).
//
// 1. Compiles frontend/townhall.scss (GOV.UK Frontend under Townhall's brand) to townhall.css.
// 2. Copies GOV.UK Frontend's JavaScript (govuk-frontend.min.js and its source map).
// 3. Copies GOV.UK Frontend's images except the crown, the crest and the GOV.UK icons,
//    which only GOV.UK may use. Townhall's own favicon lives in townhall/static/townhall/.
// No fonts are copied: Townhall uses a system font stack, never GDS Transport.

import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import * as sass from 'sass'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const govuk = join(root, 'node_modules', 'govuk-frontend', 'dist', 'govuk')
const dist = join(root, 'townhall', 'static', 'dist')

// Crown and GOV.UK brand imagery: the crest, the crown favicons, the GOV.UK app icons.
const GOVUK_ONLY = /(crest|crown|favicon|govuk-icon|opengraph)/i

if (!existsSync(govuk)) {
  console.error('govuk-frontend is not installed: run `npm ci` first (or `make assets`).')
  process.exit(1)
}

rmSync(dist, { recursive: true, force: true })
mkdirSync(join(dist, 'images'), { recursive: true })

const result = sass.compile(join(root, 'frontend', 'townhall.scss'), {
  importers: [new sass.NodePackageImporter(root)],
  style: 'compressed',
  sourceMap: false,
  quietDeps: true,
  silenceDeprecations: ['import']
})
if (/GDS Transport/.test(result.css)) {
  console.error('townhall.css mentions GDS Transport: the GOV.UK typeface must not be used.')
  process.exit(1)
}
writeFileSync(join(dist, 'townhall.css'), result.css)

for (const name of ['govuk-frontend.min.js', 'govuk-frontend.min.js.map']) {
  copyFileSync(join(govuk, name), join(dist, name))
}

const images = readdirSync(join(govuk, 'assets', 'images')).filter((name) => !GOVUK_ONLY.test(name))
for (const name of images) {
  copyFileSync(join(govuk, 'assets', 'images', name), join(dist, 'images', name))
}

console.log(
  `Built townhall/static/dist: townhall.css (${result.css.length} bytes), govuk-frontend.min.js, ` +
    `${images.length} image(s) (crown and GOV.UK icons left out)`
)
