// The first statement of the dmgw bundle (scripts/build.mjs puts it there as a banner): before anything else is
// evaluated, an older Node is told, in one line, which Node dmgw needs, and dmgw exits 2 (usage), instead of
// failing somewhere inside a library with a stack trace. Kept to ES5 so that any Node parses it.
(function () {
  var need = 22;
  var have = process.versions.node;
  if (parseInt(have.split('.')[0], 10) < need) {
    process.stderr.write('dmgw needs Node.js ' + need + ' or newer; this is Node.js ' + have + ' (' + process.execPath + '): install Node.js 22 or 24 and run dmgw with it\n');
    process.exit(2);
  }
})();
