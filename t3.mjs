import jsonata from "jsonata";
import { contextFieldsRead } from "./dist/expression-reads.js";
for (const s of process.argv.slice(2)) console.log(JSON.stringify(contextFieldsRead(jsonata(s).ast())), " <= ", s);
