// Placeholder until scripts/services.sh lands: integration tests bring services up here.
export default function setup(): void {}
