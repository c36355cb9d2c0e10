import t from 'tap';
import { parseEgressList, formatEgressRule } from '@annex/config';

t.test('parses hosts, wildcards, schemes and ports', async (t) => {
  const rules = parseEgressList('api.example.com, *.corp.example:8443,http://plain.example , *');
  t.same(rules.map(formatEgressRule), [
    'https://api.example.com',
    'https://*.corp.example:8443',
    'http://plain.example',
    'https://*',
  ]);
});
