// Interop: nostr-tools (a real JavaScript client) against `bigbrotr node`.
// Run from this directory: BIGBROTR_BIN=../bin/bigbrotr node --test
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import WebSocket from 'ws'
import { Relay, useWebSocketImplementation } from 'nostr-tools/relay'
import { generateSecretKey, getPublicKey, finalizeEvent, verifyEvent } from 'nostr-tools/pure'

useWebSocketImplementation(WebSocket)

const bin = resolve(process.env.BIGBROTR_BIN ?? '../bin/bigbrotr')
let dir, child, url, httpURL, stderr = ''
// A writer the node knows, so that its events are accepted without AUTH.
const writerSK = generateSecretKey()

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer()
    s.on('error', fail)
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)) })
  })
}

async function nip11() {
  const res = await fetch(httpURL, { headers: { Accept: 'application/nostr+json' } })
  assert.equal(res.status, 200)
  return res.json()
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bigbrotr-interop-'))
  const port = await freePort()
  url = `ws://127.0.0.1:${port}`
  httpURL = `http://127.0.0.1:${port}/`
  const cfg = join(dir, 'node.toml')
  writeFileSync(cfg, `[node]\nlisten = "127.0.0.1:${port}"\ndata_dir = "${join(dir, 'data')}"\n[metrics]\nlisten = ""\n` +
    `[relay]\nwriters = ["${getPublicKey(writerSK)}"]\n`)
  const env = { ...process.env }
  delete env.BIGBROTR_PRIVATE_KEY
  delete env.BIGBROTR_DATABASE_URL
  child = spawn(bin, ['node', '--config', cfg], { env, stdio: ['ignore', 'ignore', 'pipe'] })
  child.stderr.on('data', (b) => { stderr += b })
  const deadline = Date.now() + 30000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bigbrotr exited ${child.exitCode}: ${stderr}`)
    try { await nip11(); break } catch (e) {
      if (Date.now() > deadline) throw new Error(`bigbrotr did not start: ${e}\n${stderr}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
})

after(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', (code) => r(code)))
    child.kill('SIGTERM')
    assert.equal(await exited, 0, `graceful stop on SIGTERM: ${stderr}`)
  }
  if (dir) rmSync(dir, { recursive: true, force: true })
})

test('NIP-11 document names the node key and its NIPs', async () => {
  const doc = await nip11()
  assert.match(doc.pubkey, /^[0-9a-f]{64}$/)
  assert.ok(doc.supported_nips.includes(45))
  assert.equal(doc.limitation.restricted_writes, true)
})

test('REQ gets EOSE, COUNT answers, public EVENT is restricted', async () => {
  const relay = await Relay.connect(url)
  try {
    const events = []
    await new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error('no EOSE')), 5000)
      const sub = relay.subscribe([{ kinds: [1], limit: 10 }], {
        onevent: (e) => events.push(e),
        oneose: () => { clearTimeout(timer); ok(); sub.close() },
        onclose: (reason) => { clearTimeout(timer); fail(new Error(`CLOSED: ${reason}`)) },
      })
    })
    for (const e of events) assert.ok(verifyEvent({ ...e }))

    const count = await relay.count([{ kinds: [1] }], {})
    assert.equal(typeof count, 'number')
    assert.equal(count, events.length)

    const ev = finalizeEvent({ kind: 1, created_at: Math.floor(Date.now() / 1000), tags: [], content: 'hello from nostr-tools' }, generateSecretKey())
    await assert.rejects(relay.publish(ev), (err) => {
      assert.match(String(err.message ?? err), /^restricted: /)
      return true
    })
  } finally {
    relay.close()
  }
})

// Issue 12: an event with a 10 KB tag value and one with \u0000 in a tag
// value are archived, served byte-exact, and verify with nostr-tools.
test('10 KB tag value and NUL in a tag value round-trip and verify', async () => {
  const relay = await Relay.connect(url)
  try {
    const now = Math.floor(Date.now() / 1000)
    const long = '0123456789abcdef'.repeat(640)
    const nul = 'before\u0000after'
    const evLong = finalizeEvent({ kind: 1, created_at: now, tags: [['r', long], ['description', long]], content: 'a 10 KB tag value' }, writerSK)
    const evNUL = finalizeEvent({ kind: 1, created_at: now + 1, tags: [['t', nul]], content: 'NUL \u0000 in a tag value and here' }, writerSK)
    for (const ev of [evLong, evNUL]) await relay.publish(ev)

    const fetch = (filter) => new Promise((ok, fail) => {
      const got = []
      const timer = setTimeout(() => fail(new Error('no EOSE')), 5000)
      const sub = relay.subscribe([filter], {
        onevent: (e) => got.push(e),
        oneose: () => { clearTimeout(timer); ok(got); sub.close() },
        onclose: (reason) => { clearTimeout(timer); fail(new Error(`CLOSED: ${reason}`)) },
      })
    })
    const cases = [
      [{ ids: [evLong.id, evNUL.id] }, [evNUL, evLong]],
      [{ '#r': [long] }, [evLong]],
      [{ '#t': [nul] }, [evNUL]],
      [{ '#t': ['before'] }, []],
    ]
    for (const [filter, want] of cases) {
      // By id: the order of a REQ's events is the relay's business.
      const got = (await fetch(filter)).sort((a, b) => a.id.localeCompare(b.id))
      want.sort((a, b) => a.id.localeCompare(b.id))
      assert.deepEqual(got.map((e) => e.id), want.map((e) => e.id), JSON.stringify(filter).slice(0, 80))
      for (const [i, e] of got.entries()) {
        assert.deepEqual(e.tags, want[i].tags)
        assert.equal(e.content, want[i].content)
        // A fresh copy: nostr-tools caches a verdict on the object.
        assert.ok(verifyEvent({ id: e.id, pubkey: e.pubkey, created_at: e.created_at, kind: e.kind, tags: e.tags, content: e.content, sig: e.sig }),
          `served ${e.id} verifies`)
      }
    }
  } finally {
    relay.close()
  }
})
