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
