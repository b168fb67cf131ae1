import 'element-plus/dist/index.css'
import './styles.css'

import ElementPlus from 'element-plus'
import zhCn from 'element-plus/es/locale/lang/zh-cn'
import { createPinia } from 'pinia'
import { createApp } from 'vue'

import App from './App.vue'
import { setUnauthenticatedHandler } from './api/client'
import { createConsoleRouter } from './router'
import { useSession } from './stores/session'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
const router = createConsoleRouter()
app.use(router)
app.use(ElementPlus, { locale: zhCn })

// Any 401 (idle, expired, logged out elsewhere, deactivated) sends the user to log in, then back to where they were.
setUnauthenticatedHandler((error) => {
  const session = useSession()
  session.forget(error.message)
  const here = router.currentRoute.value
  if (!here.meta.public) router.replace({ name: 'login', query: { redirect: here.fullPath } })
})

app.mount('#app')

// Back after log-out may restore a page from the browser's back-forward cache, data and all: check the session
// again, so an ended session never shows what it showed.
window.addEventListener('pageshow', (event) => {
  if (event.persisted) window.location.reload()
})
