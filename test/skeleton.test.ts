import t from 'tap';
t.test('runs on node 24', async (t) => {
  t.equal(process.versions.node.split('.')[0], '24');
});
