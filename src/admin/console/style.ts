/**
 * The console's one stylesheet, served from /static/console.css (a same-origin file, so the
 * Content-Security-Policy can forbid inline styles). Black text on white, underlined links and a thick
 * focus outline: nothing is told by colour alone, so the pages read the same printed in black and white.
 */
export const CONSOLE_CSS = `
:root { color: #000; background: #fff; font: 16px/1.5 system-ui, sans-serif; }
body { margin: 0; }
a { color: #00e; text-decoration: underline; }
:focus-visible { outline: 3px solid #000; outline-offset: 2px; }
.skip { position: absolute; left: -10000px; }
.skip:focus { position: static; display: inline-block; padding: .5rem; background: #fff; }
header, main, footer { padding: .5rem 1rem; }
header { display: flex; gap: 1rem; align-items: center; justify-content: space-between; border-bottom: 2px solid #000; }
header .who { margin: 0; }
nav ul { list-style: none; display: flex; gap: 1rem; margin: 0; padding: 0; }
h1 { font-size: 1.4rem; margin: .5rem 0; }
h2 { font-size: 1.2rem; margin: 1rem 0 .5rem; }
dl.counts { display: grid; grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); gap: .5rem; margin: 0; }
dl.counts div { border: 2px solid #000; padding: .5rem; }
dl.counts dt { font-weight: normal; }
dl.counts dd { margin: 0; font-size: 1.6rem; font-weight: bold; }
dl.counts div.attention { border-style: double; border-width: 6px; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: bold; padding: .25rem 0; }
th, td { border: 1px solid #000; padding: .25rem .5rem; text-align: left; vertical-align: top; }
thead th { border-bottom-width: 3px; }
label { display: block; font-weight: bold; margin: .5rem 0 .25rem; }
form.search { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: 0 1rem; align-items: end; }
input[type=text], select { font: inherit; padding: .25rem; border: 2px solid #000; width: 100%; box-sizing: border-box; }
ol.segments { font-family: ui-monospace, monospace; padding-left: 4rem; }
ol.segments code { white-space: pre-wrap; word-break: break-all; }
code.url { overflow-wrap: anywhere; }
p.diagnostic { margin: .25rem 0 .5rem; border-left: 6px solid #000; padding-left: .5rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.facts dd { margin: 0; }
input[type=password] { font: inherit; padding: .25rem; border: 2px solid #000; width: min(30rem, 100%); }
button { font: inherit; padding: .25rem 1rem; border: 2px solid #000; background: #fff; color: #000; cursor: pointer; }
button:hover { background: #eee; }
.error { border: 3px solid #000; padding: .5rem; font-weight: bold; }
.placeholder { border: 2px dashed #000; padding: .5rem; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
