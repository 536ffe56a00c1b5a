/** `scaffold-tests` entry point — placeholder until issue 5 lands. */
process.stderr.write('scaffold-tests is not built yet\n');
process.exitCode = 1;
