// `npm run insurer-sim -w @clinic/server [-- port]`: the simulated insurer on its own, for pointing
// INSURANCE_API_URL at (the dev server otherwise starts one in-process).
import { startInsurerSim } from './insurer-sim.ts';

const sim = await startInsurerSim({ port: Number(process.argv[2] ?? 4010) });
console.log(`simulated insurer listening at ${sim.url} (POST /v1/eligibility)`);
