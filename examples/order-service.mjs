// A small, deliberately slow program used as autoprof's bundled example: it serialises orders
// to JSON and back, builds a regular expression per call, and sorts, so its profile has clear
// hot spots for `autoprof top` and `autoprof run` to name.
const durationMs = Number(process.argv[2] ?? 1500);

function makeOrder(i) {
  return { id: i, customer: `customer-${i % 97}`, items: Array.from({ length: 20 }, (_, j) => ({ sku: `sku-${j}`, qty: j % 5 })) };
}

function validateCustomer(order) {
  // Compiled on every call on purpose: the classic avoidable cost.
  const pattern = new RegExp(`^customer-(\\d+)$`);
  return pattern.test(order.customer);
}

function serializeRoundTrip(order) {
  return JSON.parse(JSON.stringify(order));
}

function totalQuantity(order) {
  return order.items.map((item) => item.qty).sort((a, b) => a - b).reduce((a, b) => a + b, 0);
}

function handleOrder(i) {
  const order = serializeRoundTrip(makeOrder(i));
  return validateCustomer(order) ? totalQuantity(order) : 0;
}

const start = Date.now();
let processed = 0;
let total = 0;
while (Date.now() - start < durationMs) {
  for (let k = 0; k < 200; k++) total += handleOrder(processed++);
}
console.log(`processed ${processed} orders, total quantity ${total}`);
