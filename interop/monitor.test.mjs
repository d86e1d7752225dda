// Interop: nostr-tools subscribes to a bigbrotr node monitoring a testnet
// and receives its NIP-66 kind 30166 events live, with valid signatures.
// Run from this directory: BIGBROTR_BIN=../bin/bigbrotr node --test
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import WebSocket from 'ws'
import { Relay, useWebSocketImplementation } from 'nostr-tools/relay'
import { verifyEvent } from 'nostr-tools/pure'

useWebSocketImplementation(WebSocket)

const bin = resolve(process.env.BIGBROTR_BIN ?? '../bin/bigbrotr')
let dir, net, node, url, stderr = ''

function env() {
  const e = { ...process.env }
  delete e.BIGBROTR_PRIVATE_KEY
  delete e.BIGBROTR_DATABASE_URL
  return e
}

async function waitFor(what, fn, ms = 30000) {
  const deadline = Date.now() + ms
  for (;;) {
    try { const v = await fn(); if (v) return v } catch {}
    if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms\n${stderr}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

function stop(child) {
  if (!child || child.exitCode !== null) return Promise.resolve(child?.exitCode)
  const exited = new Promise((r) => child.once('exit', (code) => r(code)))
  child.kill('SIGTERM')
  return exited
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bigbrotr-monitor-interop-'))
  const out = join(dir, 'testnet')
  net = spawn(bin, ['testnet', '--relays', '12', '--seed', '7', '--port', '0', '--out', out], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] })
  let manifest = ''
  net.stdout.on('data', (b) => { manifest += b })
  net.stderr.on('data', (b) => { stderr += b })
  await waitFor('testnet up', () => manifest.includes('manifest.json'))

  // The generated node.toml, with discovery reduced to the validator and
  // the monitor re-checking every 2 seconds, so 30166 events keep coming.
  let cfg = readFileSync(join(out, 'node.toml'), 'utf8')
  url = 'ws://' + cfg.match(/^listen = "([^"]+)"/m)[1]
  cfg = cfg.replace('[monitor]\n', '[monitor]\ninterval = "2s"\ntimeout = "3s"\n')
  cfg += '\n[metrics]\nlisten = ""\n[finder]\nenabled = false\n[validator]\ninterval = "1s"\n[synchronizer]\nenabled = false\n'
  const path = join(dir, 'node.toml')
  writeFileSync(path, cfg)
  node = spawn(bin, ['node', '--config', path], { env: env(), stdio: ['ignore', 'ignore', 'pipe'] })
  node.stderr.on('data', (b) => { stderr += b })
  await waitFor('node up', async () => {
    if (node.exitCode !== null) throw new Error(`bigbrotr exited ${node.exitCode}: ${stderr}`)
    const res = await fetch(url.replace('ws://', 'http://'), { headers: { Accept: 'application/nostr+json' } })
    return res.status === 200
  })
})

after(async () => {
  assert.equal(await stop(node), 0, `node: graceful stop on SIGTERM: ${stderr}`)
  await stop(net)
  if (dir) rmSync(dir, { recursive: true, force: true })
})

test('30166 events arrive live on a subscription, signed by the node', async () => {
  const info = await (await fetch(url.replace('ws://', 'http://'), { headers: { Accept: 'application/nostr+json' } })).json()
  const relay = await Relay.connect(url)
  try {
    const live = await new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`no live 30166 within 60 s\n${stderr}`)), 60000)
      let eose = false
      const sub = relay.subscribe([{ kinds: [30166] }], {
        oneose: () => { eose = true },
        onevent: (e) => {
          assert.ok(verifyEvent({ ...e }), 'signature verifies')
          if (eose) { clearTimeout(timer); ok(e); sub.close() }
        },
        onclose: (reason) => { if (!eose) { clearTimeout(timer); fail(new Error(`CLOSED: ${reason}`)) } },
      })
    })
    assert.equal(live.pubkey, info.pubkey, 'published by the node key')
    const tag = (name) => live.tags.filter((t) => t[0] === name).map((t) => t[1])
    assert.match(tag('d')[0], /^wss?:\/\/[^/]+\.testnet|\.onion|\.i2p|\.loki/)
    assert.equal(tag('n').length, 1)
    assert.match(tag('rtt-open')[0], /^[0-9]+$/)
    assert.ok(Math.abs(live.created_at - Date.now() / 1000) < 120, 'created_at is the check time')

    const ann = await new Promise((ok, fail) => {
      const got = []
      const timer = setTimeout(() => fail(new Error('no EOSE for 10166')), 10000)
      const sub = relay.subscribe([{ kinds: [10166], authors: [info.pubkey] }], {
        onevent: (e) => got.push(e),
        oneose: () => { clearTimeout(timer); ok(got); sub.close() },
      })
    })
    assert.equal(ann.length, 1)
    assert.ok(verifyEvent({ ...ann[0] }))
    assert.deepEqual(ann[0].tags.find((t) => t[0] === 'frequency'), ['frequency', '2'])
  } finally {
    relay.close()
  }
})
